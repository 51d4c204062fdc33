using System.Collections;
using System.Management.Automation;
using System.Text;
using System.Text.Json;
using EbpfMcp.Bridge;
using EbpfMcp.Bridge.Http;
using EbpfMcp.Bridge.Ownership;
using EbpfMcp.Bridge.Stdio;
using EbpfMcp.Bridge.Tools;
using EbpfMcp.Kernel.Loading;
using EbpfMcp.Native;
using ModelContextProtocol.Protocol;

namespace EbpfMcp.Tests;

/// <summary>
/// Issue #12.6: the pure parts, fast and without a kernel: argument binding for every parameter
/// type, input and output schemas, descriptions, the deploy policy (pin paths, limits) and the
/// module's source policy (paths, URLs), token handling, and stdio id recovery.
/// </summary>
public sealed class BridgeUnitTests
{
    private enum Color { Red, Green }

    private sealed class Sample
    {
        public string Name { get; set; } = "";
        public int Count { get; set; }
        public TimeSpan Took { get; set; }
        public string[] Tags { get; set; } = [];
        public Color Shade { get; set; }
        public bool? Maybe { get; set; }
        public object? Anything { get; set; }
    }

    private static ToolParameter Parameter(string name, Type type, params ValidateArgumentsAttribute[] validators) => new()
    {
        Name = name,
        Type = type,
        Sets = new Dictionary<string, bool> { [ParameterAttribute.AllParameterSets] = false },
        Validators = validators,
    };

    private static ToolParameter InSet(string name, Type type, string set, bool mandatory) => new()
    {
        Name = name,
        Type = type,
        Sets = new Dictionary<string, bool> { [set] = mandatory },
        Validators = [],
    };

    private static ToolDefinition Tool(IReadOnlyList<ToolParameter> parameters, IReadOnlyList<string>? sets = null, string verb = "Get", IReadOnlySet<string>? bound = null) => new()
    {
        BoundParameters = bound ?? new HashSet<string>(),
        Name = verb + "-Thing",
        Parameters = parameters,
        ParameterSets = sets ?? [ParameterAttribute.AllParameterSets],
        Description = "",
        InputSchema = InputSchemaBuilder.Build(parameters, sets ?? [ParameterAttribute.AllParameterSets]),
        OutputSchema = OutputSchemaBuilder.Build([]),
        Annotations = new ToolAnnotations(),
        ChangesKernel = verb is "Install" or "Uninstall",
        Verb = verb,
        IsTrace = false,
    };

    private static Hashtable Bind(ToolDefinition tool, string json) =>
        ArgumentBinder.Bind(tool, JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(json));

    private static object Convert(Type type, string json) => ArgumentBinder.Convert("A", type, JsonDocument.Parse(json).RootElement);

    // Argument binding ---------------------------------------------------------------------------

    [Theory]
    [InlineData(typeof(string), "\"x\"", "x")]
    [InlineData(typeof(string), "42", "42")]
    [InlineData(typeof(int), "7", 7)]
    [InlineData(typeof(int), "\"7\"", 7)]
    [InlineData(typeof(int), "7.0", 7)]
    [InlineData(typeof(long), "9000000000", 9000000000L)]
    [InlineData(typeof(uint), "4294967295", 4294967295u)]
    [InlineData(typeof(byte), "255", (byte)255)]
    [InlineData(typeof(double), "0.25", 0.25)]
    [InlineData(typeof(double), "\"1e3\"", 1000.0)]
    [InlineData(typeof(bool), "true", true)]
    [InlineData(typeof(int?), "3", 3)]
    public void ConvertsEachTypeFromJson(Type type, string json, object expected) => Assert.Equal(expected, Convert(type, json));

    [Fact]
    public void ConvertsTheRichTypes()
    {
        Assert.Equal(new SwitchParameter(true), Convert(typeof(SwitchParameter), "true"));
        Assert.Equal(Color.Green, Convert(typeof(Color), "\"green\""));
        Assert.Equal(new Uri("https://example.org/x"), Convert(typeof(Uri), "\"https://example.org/x\""));
        Assert.Equal(TimeSpan.FromSeconds(1.5), Convert(typeof(TimeSpan), "1.5"));
        Assert.Equal(12.5m, Convert(typeof(decimal), "12.5"));
        Assert.Equal(1.5f, Convert(typeof(float), "1.5"));
        Assert.Equal(new[] { 1, 2 }, Convert(typeof(int[]), "[1,2]"));
        Assert.Equal(new[] { "one" }, Convert(typeof(string[]), "\"one\"")); // a single value is an array of one
        // Untyped (a script's plain parameter): PowerShell's own kinds of value.
        Assert.Equal(5L, Convert(typeof(object), "5"));
        Assert.Equal(new object[] { "a", 2L, true }, Convert(typeof(object), "[\"a\",2,true]"));
        var table = Assert.IsType<Hashtable>(Convert(typeof(object), """{"Key":{"n":1.5}}"""));
        Assert.Equal(1.5, ((Hashtable)table["key"]!)["N"]);
    }

    [Theory]
    [InlineData(typeof(double), "\"abc\"", "must be a number (Double)")]
    [InlineData(typeof(double), "1e999", "must be a number (Double)")]
    [InlineData(typeof(float), "1e300", "out of range for Single")]
    [InlineData(typeof(int), "\"many\"", "must be a whole number (Int32)")]
    [InlineData(typeof(int), "2.5", "must be a whole number (Int32)")]
    [InlineData(typeof(int), "3000000000", "out of range for Int32")]
    [InlineData(typeof(uint), "-1", "out of range for UInt32")]
    [InlineData(typeof(long), "1e30", "out of range for Int64")]
    [InlineData(typeof(bool), "\"yes\"", "must be a boolean")]
    [InlineData(typeof(SwitchParameter), "1", "must be a boolean")]
    [InlineData(typeof(string), "[\"a\"]", "must be a string")]
    [InlineData(typeof(string), "{}", "must be a string")]
    [InlineData(typeof(Color), "\"blue\"", "must be one of Red, Green")]
    [InlineData(typeof(Color), "\"5\"", "must be one of Red, Green")]
    [InlineData(typeof(Uri), "\"not a uri\"", "must be an absolute URI")]
    [InlineData(typeof(TimeSpan), "\"10s\"", "must be a number of seconds")]
    [InlineData(typeof(int[]), "[1,\"x\"]", "must be a whole number")]
    [InlineData(typeof(Hashtable), "{}", "cannot take from JSON")]
    public void RefusesEveryBadValueNamingTheArgument(Type type, string json, string says)
    {
        var e = Assert.Throws<ToolArgumentException>(() => Convert(type, json));
        Assert.Equal("A", e.Argument);
        Assert.Contains(says, e.Message);
        Assert.Contains("'A'", e.Message);
    }

    [Fact]
    public void BindsNamesCaseInsensitivelyAndChecksMandatoryArgumentsPerSet()
    {
        var tool = Tool([InSet("Id", typeof(uint[]), "Dump", mandatory: true), InSet("Dump", typeof(SwitchParameter), "Dump", mandatory: true), InSet("Name", typeof(string), "List", mandatory: false), Parameter("First", typeof(int))], ["List", "Dump"]);
        var bound = Bind(tool, """{"id":[1],"DUMP":true,"first":3}""");
        Assert.Equal(new uint[] { 1 }, bound["Id"]);
        Assert.Equal(3, bound["First"]);
        Assert.Empty(Bind(tool, """{"Name":null}""")); // null means "not given"

        var missing = Assert.Throws<ToolArgumentException>(() => Bind(tool, """{"Dump":true}"""));
        Assert.Equal("Id", missing.Argument);
        Assert.Contains("Missing required argument Id", missing.Message);
        var together = Assert.Throws<ToolArgumentException>(() => Bind(tool, """{"Dump":true,"Name":"x"}"""));
        Assert.Contains("cannot be used together", together.Message);
        var unknown = Assert.Throws<ToolArgumentException>(() => Bind(tool, """{"Owner":"someone-else"}"""));
        Assert.Equal("Owner", unknown.Argument);
        Assert.Contains("takes: Id, Dump, Name, First", unknown.Message);
    }

    // Schemas --------------------------------------------------------------------------------------

    [Fact]
    public void InputSchemaCarriesTypesValidationAndOneSentenceDescriptions()
    {
        var parameters = new List<ToolParameter>
        {
            Parameter("Mode", typeof(string), new ValidateSetAttribute("plain", "loud")),
            Parameter("Count", typeof(int), new ValidateRangeAttribute(1, 5)),
            Parameter("First", typeof(int), new ValidateRangeAttribute(1, int.MaxValue)),
            Parameter("Pid", typeof(int[]), new ValidateCountAttribute(1, 8), new ValidateRangeAttribute(1, int.MaxValue)),
            Parameter("Name", typeof(string), new ValidateLengthAttribute(1, 15), new ValidatePatternAttribute("^[a-z]+$")),
            Parameter("Size", typeof(ulong)),
            Parameter("Ratio", typeof(double)),
            Parameter("On", typeof(SwitchParameter)),
            Parameter("Shade", typeof(Color)),
            Parameter("Where", typeof(Uri)),
            Parameter("Note", typeof(object)),
            InSet("Text", typeof(string), ParameterAttribute.AllParameterSets, mandatory: true),
        };
        parameters[0].Description = "How to say it. -Mode loud shouts; this second sentence is left out.";
        var schema = InputSchemaBuilder.Build(parameters, [ParameterAttribute.AllParameterSets]);
        var p = schema["properties"]!;
        Assert.Equal("""["plain","loud"]""", p["Mode"]!["enum"]!.ToJsonString());
        Assert.Equal("How to say it.", (string)p["Mode"]!["description"]!);
        Assert.Equal(1, (double)p["Count"]!["minimum"]!);
        Assert.Equal(5, (double)p["Count"]!["maximum"]!);
        Assert.Null(p["First"]!["maximum"]); // the type's own limit is not worth the bytes
        Assert.Equal(8, (int)p["Pid"]!["maxItems"]!);
        Assert.Equal(1, (double)p["Pid"]!["items"]!["minimum"]!);
        Assert.Equal(15, (int)p["Name"]!["maxLength"]!);
        Assert.Equal("^[a-z]+$", (string)p["Name"]!["pattern"]!);
        Assert.Equal("""{"type":"integer","minimum":0}""", p["Size"]!.ToJsonString());
        Assert.Equal("number", (string)p["Ratio"]!["type"]!);
        Assert.Equal("boolean", (string)p["On"]!["type"]!);
        Assert.Equal("""["Red","Green"]""", p["Shade"]!["enum"]!.ToJsonString());
        Assert.Equal("string", (string)p["Where"]!["type"]!);
        Assert.Equal("{}", p["Note"]!.ToJsonString());
        Assert.Equal("""["Text"]""", schema["required"]!.ToJsonString());
    }

    [Fact]
    public void OutputSchemaDescribesTheItemsOneLevelDeep()
    {
        var schema = OutputSchemaBuilder.Build([typeof(Sample)]);
        var item = schema["properties"]!["items"]!["items"]!["properties"]!;
        Assert.Equal("string", (string)item["Name"]!["type"]!);
        Assert.Equal("integer", (string)item["Count"]!["type"]!);
        Assert.Equal("number", (string)item["Took"]!["type"]!); // seconds
        Assert.Equal("array", (string)item["Tags"]!["type"]!);
        Assert.Equal("string", (string)item["Shade"]!["type"]!);
        Assert.Equal("boolean", (string)item["Maybe"]!["type"]!);
        Assert.Equal("{}", item["Anything"]!.ToJsonString());
        Assert.Equal(2, OutputSchemaBuilder.Build([typeof(Sample), typeof(long)])["properties"]!["items"]!["items"]!["anyOf"]!.AsArray().Count);
        Assert.Equal("{}", OutputSchemaBuilder.Build([])["properties"]!["items"]!["items"]!.ToJsonString());

        // What JsonOutput writes fits: nulls are left out, so no property needs a null type.
        var rendered = JsonOutput.ToNode(new Sample { Name = "n", Took = TimeSpan.FromMilliseconds(1500) })!.AsObject();
        Assert.Equal(1.5, (double)rendered["Took"]!);
        Assert.False(rendered.ContainsKey("Maybe"));
        Assert.False(rendered.ContainsKey("Anything"));
    }

    [Fact]
    public void DescriptionsAreForAgents()
    {
        var parameters = new List<ToolParameter> { Parameter("Duration", typeof(double)), Parameter("FailedOnly", typeof(SwitchParameter)), Parameter("Syscall", typeof(string[])), Parameter("Path", typeof(string)) };
        Assert.Equal("""{"Duration":5,"FailedOnly":true}""", ToolDescription.TypicalArguments("Trace-X", "Trace-X -Duration 5 -FailedOnly | Group-Object Path", parameters)!.ToJsonString());
        Assert.Equal("""{"Syscall":["openat","connect"]}""", ToolDescription.TypicalArguments("Trace-X", "Trace-X -Syscall openat, connect", parameters)!.ToJsonString());
        Assert.Equal("""{"Path":"/etc/*"}""", ToolDescription.TypicalArguments("Trace-X", "Trace-X -Pa '/etc/*'", parameters)!.ToJsonString()); // a unique prefix, as PowerShell allows
        Assert.Null(ToolDescription.TypicalArguments("Trace-X", "Trace-X -Duration $d", parameters)); // a variable: no literal to show
        Assert.Null(ToolDescription.TypicalArguments("Trace-X", "Trace-X ./x.bpf.o", parameters)); // positional
        Assert.Null(ToolDescription.TypicalArguments("Trace-X", "Get-Other -Duration 5", parameters));

        var help = new ToolDescription.Help("Counts things with -Duration seconds.", new Dictionary<string, string>(), ["Trace-X -Duration 5", "Trace-X -Duration 10", "Trace-X -Syscall openat -Path 'a b'"]);
        Assert.Equal("Counts things with Duration seconds. E.g. Duration=5; or Syscall=[openat], Path=\"a b\".", ToolDescription.Compose("Trace-X", help, parameters, [ParameterAttribute.AllParameterSets], null));
        Assert.StartsWith("NOT AVAILABLE ON THIS KERNEL: no BTF. ", ToolDescription.Compose("Trace-X", help, parameters, [ParameterAttribute.AllParameterSets], "no BTF"));
        Assert.Equal("Attach to the Interface given (clang -O2).", ToolDescription.ParameterDescription("Attach to the -Interface\ngiven (clang -O2). Details follow.", [Parameter("Interface", typeof(string))]));
        Assert.Equal(100, ToolDescription.ParameterDescription(new string('x', 500), []).Length);
    }

    // Deploy policy ----------------------------------------------------------------------------------

    [Theory]
    [InlineData("/sys/fs/bpf/ebpf-mcp/app", true)]
    [InlineData("/sys/fs/bpf/ebpf-mcp", true)]
    [InlineData("/sys/fs/bpf/ebpf-mcp/a/b.c/", true)]
    [InlineData("/sys/fs/bpf/ebpf-mcp-evil/app", false)]
    [InlineData("/sys/fs/bpf/ebpf-mcp/../x", false)]
    [InlineData("/sys/fs/bpf/ebpf-mcp/./x", false)]
    [InlineData("/sys/fs/bpf/ebpf-mcp/..\\x", false)]
    [InlineData("/sys/fs/bpf/ebpf-mcp//x", false)]
    [InlineData("~/x", false)]
    [InlineData("Temp:/x", false)]
    [InlineData("/sys/fs/bpf/ebpf-mcp/x*", false)]
    [InlineData("/sys/fs/bpf/elsewhere", false)]
    public void PinPathsMustBePlainPathsUnderThePinRoot(string pin, bool allowed)
    {
        var policy = new DeployPolicy(new BridgeOptions());
        var refusal = policy.Check(new Hashtable { ["PinPath"] = pin });
        Assert.Equal(allowed, refusal is null);
        if (refusal is not null)
        {
            Assert.Equal("PolicyDenied", (string)refusal["errorId"]!);
            Assert.Equal("PinPath", (string)refusal["target"]!);
        }
    }

    [Fact]
    public void TheModuleGetsTheBridgesLimitsAndTheSessionsRemainingQuota()
    {
        var options = new BridgeOptions { AllowSources = ["/srv/bpf"], MaxObjectBytes = 4096, QuotaPrograms = 5, QuotaMaps = 3, QuotaMemlockBytes = 1000 };
        var tool = Tool([Parameter("Path", typeof(string))], verb: "Install", bound: DeployPolicy.BoundParameters);
        var arguments = new Hashtable();
        new DeployPolicy(options).Bind(tool, arguments, () => new SessionInstallations.Usage(2, 4, 600));
        Assert.Equal(new[] { "/srv/bpf" }, arguments["AllowedSource"]);
        Assert.Equal(4096L, arguments["MaxObjectBytes"]);
        Assert.Equal(3, arguments["MaxPrograms"]);
        Assert.Equal(0, arguments["MaxMaps"]); // already over: nothing more
        Assert.Equal(400L, arguments["MaxMemlockBytes"]);
    }

    [Theory]
    [InlineData("https://objects.example.com/bpf/x.bpf.o", true)]
    [InlineData("https://OBJECTS.example.com:443/bpf/sub/x.bpf.o", true)]
    [InlineData("https://objects.example.com/bpf", true)]
    [InlineData("https://objects.example.com/bpf-evil/x.bpf.o", false)]
    [InlineData("https://objects.example.com.evil/bpf/x.bpf.o", false)]
    [InlineData("https://objects.example.com@evil.example/bpf/x.bpf.o", false)]
    [InlineData("https://objects.example.com:8443/bpf/x.bpf.o", false)]
    [InlineData("http://objects.example.com/bpf/x.bpf.o", false)]
    [InlineData("https://objects.example.com/bpf/%2e%2e/secret.bpf.o", false)]
    [InlineData("https://objects.example.com/bpf/..%2fsecret.bpf.o", false)]
    [InlineData("https://objects.example.com/bpf/../secret.bpf.o", false)]
    public void UrlsAreComparedBySchemeHostPortAndWholePathSegments(string uri, bool allowed)
    {
        var policy = SourcePolicy.From(["https://objects.example.com/bpf"]);
        var check = Record.Exception(() => policy.CheckUri(new Uri(uri)));
        Assert.Equal(allowed, check is null);
        if (check is not null)
        {
            Assert.Equal("PolicyDenied", Assert.IsType<BpfException>(check).ErrorId);
        }
    }

    [Fact]
    public void FilesAreComparedByTheirRealPath()
    {
        var root = Directory.CreateTempSubdirectory("ebpf-mcp-unit-").FullName;
        try
        {
            var allowed = Directory.CreateDirectory(Path.Combine(root, "allowed")).FullName;
            Directory.CreateDirectory(Path.Combine(root, "allowed-evil"));
            Directory.CreateSymbolicLink(Path.Combine(root, "via-link"), allowed);
            var policy = SourcePolicy.From([Path.Combine(root, "via-link")]); // the allowed directory is resolved too
            policy.CheckFile(Path.Combine(allowed, "x.bpf.o"), "x.bpf.o");
            Assert.Equal("PolicyDenied", Assert.Throws<BpfException>(() => policy.CheckFile(Path.Combine(root, "allowed-evil", "x.bpf.o"), "x")).ErrorId);
            Assert.Equal("PolicyDenied", Assert.Throws<BpfException>(() => policy.CheckUri(new Uri("https://example.org/x.bpf.o"))).ErrorId);
            Assert.False(SourcePolicy.From([]).Restricts);
            Assert.Equal("InvalidAllowedSource", Assert.Throws<BpfException>(() => SourcePolicy.From(["ftp://example.org/"])).ErrorId);
        }
        finally
        {
            Directory.Delete(root, true);
        }
    }

    // Tokens and stdio ---------------------------------------------------------------------------------

    [Fact]
    public void TokensAreTrimmedBeforeTheyAreMeasuredAndComparedWhole()
    {
        var file = Path.GetTempFileName();
        try
        {
            File.WriteAllText(file, "   0123456789abcdef  \n");
            Assert.Equal("0123456789abcdef", TokenStore.Resolve(new BridgeOptions { TokenFile = file }).Value);
            File.WriteAllText(file, "x" + new string(' ', 30));
            Assert.Contains("1 character(s) long", Assert.Throws<ArgumentException>(() => TokenStore.Resolve(new BridgeOptions { TokenFile = file })).Message);
        }
        finally
        {
            File.Delete(file);
        }
        var token = new TokenStore.Token("0123456789abcdef", "test", false);
        Assert.True(token.IsPresented("0123456789abcdef"));
        Assert.False(token.IsPresented("0123456789abcdeF"));
        Assert.False(token.IsPresented("0123456789abcdef0"));
        Assert.False(token.IsPresented(null));
    }

    [Theory]
    [InlineData("""{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"arguments":{"Text":"aaaa""", "7")]
    [InlineData("""{"id":"req-1","params":{"x":[1,2,{"deep":true}]},"method":"x"}""", "\"req-1\"")]
    [InlineData("""{"jsonrpc":"2.0","method":"tools/call","params":{"Text":"aaaa""", null)]
    [InlineData("""[1,2,3]""", null)]
    [InlineData("""not json""", null)]
    public void AnOversizedMessagesIdIsFoundWhenItComesFirst(string head, string? id)
    {
        var found = StdioTransport.RecoverId(Encoding.UTF8.GetBytes(head));
        Assert.Equal(id, found is { } f ? JsonSerializer.Serialize(f, ModelContextProtocol.McpJsonUtilities.DefaultOptions) : null);
    }
}
