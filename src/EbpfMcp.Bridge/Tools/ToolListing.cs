using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using ModelContextProtocol.Protocol;

namespace EbpfMcp.Bridge.Tools;

/// <summary>
/// What tools/list, prompts and the server's instructions say about the tools, apart from running
/// them: kept in a file beside the bridge (written at build, or at the first start), so a new bridge
/// answers initialize and tools/list at once while PowerShell warms up in the background. The file
/// is used only when its key matches the bridge and module files it was made from.
/// </summary>
public sealed class ToolListing
{
    public const string FileName = "ebpf-mcp.catalog.json";

    /// <summary>One tool as listed.</summary>
    public sealed record Entry(string Name, string Description, JsonObject InputSchema, JsonObject OutputSchema, JsonObject Annotations, bool ChangesKernel, string? Unavailable)
    {
        private Tool? protocol;

        public bool ReadOnly => Annotations["readOnlyHint"]?.GetValue<bool>() == true;

        /// <summary>Whether a client may give this argument (its input schema has it).</summary>
        public bool TakesArgument(string name) => InputSchema["properties"] is JsonObject properties && properties.ContainsKey(name);

        public Tool ToProtocol() => protocol ??= new()
        {
            Name = Name,
            Description = Description,
            InputSchema = JsonSerializer.SerializeToElement(InputSchema, JsonOutput.TextOptions),
            OutputSchema = JsonSerializer.SerializeToElement(OutputSchema, JsonOutput.TextOptions),
            Annotations = Annotations.Deserialize<ToolAnnotations>(),
        };
    }

    public required string Key { get; init; }
    public required IReadOnlyList<Entry> Tools { get; init; }
    public required IReadOnlyDictionary<string, string> SharedParameters { get; init; }
    public required IReadOnlyList<string> SharedOutputs { get; init; }

    public Entry? Find(string name) => Tools.FirstOrDefault(t => string.Equals(t.Name, name, StringComparison.OrdinalIgnoreCase));

    public static ToolListing From(ToolCatalog catalog, string key) => new()
    {
        Key = key,
        Tools = [.. catalog.All.Select(t => new Entry(t.Name, t.Description, t.InputSchema, t.OutputSchema,
            JsonSerializer.SerializeToNode(t.Annotations)!.AsObject(), t.ChangesKernel, t.Unavailable))],
        SharedParameters = catalog.SharedParameters,
        SharedOutputs = catalog.SharedOutputs,
    };

    /// <summary>
    /// The key of a listing: what it was made from (this bridge's code and the served modules'
    /// files). Any change gives another key, and the file is remade. What this kernel can run is not
    /// part of it: that is learnt at every start.
    /// </summary>
    public static string KeyFor(IReadOnlyList<string> modules)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(typeof(ToolListing).Assembly.ManifestModule.ModuleVersionId.ToByteArray());
        foreach (var manifest in modules)
        {
            // The manifest itself names the set: a module that is not there never takes another's listing.
            hash.AppendData(System.Text.Encoding.UTF8.GetBytes(Path.GetFileName(manifest) + "\n"));
            var folder = Path.GetDirectoryName(manifest)!;
            foreach (var file in Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories)
                .Where(f => f.EndsWith(".dll", StringComparison.Ordinal) || f.EndsWith(".psd1", StringComparison.Ordinal) || f.EndsWith(".psm1", StringComparison.Ordinal) || f.EndsWith("-Help.xml", StringComparison.Ordinal))
                .Order(StringComparer.Ordinal))
            {
                hash.AppendData(System.Text.Encoding.UTF8.GetBytes(Path.GetRelativePath(folder, file)));
                hash.AppendData(File.ReadAllBytes(file));
            }
        }
        return Convert.ToHexString(hash.GetHashAndReset());
    }

    public void Save(string path)
    {
        var json = new JsonObject
        {
            ["key"] = Key,
            ["sharedParameters"] = new JsonObject([.. SharedParameters.Select(p => KeyValuePair.Create(p.Key, (JsonNode?)p.Value))]),
            ["sharedOutputs"] = new JsonArray([.. SharedOutputs.Select(s => (JsonNode?)s)]),
            ["tools"] = new JsonArray([.. Tools.Select(t => (JsonNode?)new JsonObject
            {
                ["name"] = t.Name,
                ["description"] = t.Description,
                ["inputSchema"] = t.InputSchema.DeepClone(),
                ["outputSchema"] = t.OutputSchema.DeepClone(),
                ["annotations"] = t.Annotations.DeepClone(),
                ["changesKernel"] = t.ChangesKernel,
                ["unavailable"] = t.Unavailable,
            })]),
        };
        // Written aside and renamed: a reader never sees half a file.
        var temporary = $"{path}.{Environment.ProcessId}.tmp";
        File.WriteAllText(temporary, json.ToJsonString(JsonOutput.TextOptions));
        File.Move(temporary, path, overwrite: true);
    }

    /// <summary>The listing in <paramref name="path"/>, when it exists and was made for <paramref name="key"/>.</summary>
    public static ToolListing? TryLoad(string path, string key)
    {
        try
        {
            if (!File.Exists(path) || JsonNode.Parse(File.ReadAllText(path)) is not JsonObject json || (string?)json["key"] != key)
            {
                return null;
            }
            return new ToolListing
            {
                Key = key,
                SharedParameters = json["sharedParameters"]!.AsObject().ToDictionary(p => p.Key, p => (string)p.Value!),
                SharedOutputs = [.. json["sharedOutputs"]!.AsArray().Select(s => (string)s!)],
                Tools = [.. json["tools"]!.AsArray().Select(t => new Entry(
                    (string)t!["name"]!, (string)t["description"]!, t["inputSchema"]!.AsObject().DeepClone().AsObject(),
                    t["outputSchema"]!.AsObject().DeepClone().AsObject(), t["annotations"]!.AsObject().DeepClone().AsObject(),
                    (bool)t["changesKernel"]!, (string?)t["unavailable"]))],
            };
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or JsonException or InvalidOperationException or NullReferenceException)
        {
            return null; // a damaged or foreign file is remade, never trusted
        }
    }

    /// <summary>
    /// Where a listing for <paramref name="key"/> may be: beside the bridge (the one written at build,
    /// for the modules it ships), then listings kept by earlier starts, one file per key (another
    /// --module set never overwrites the build's listing or another set's).
    /// </summary>
    private static IEnumerable<string> Places(string key) => [Path.Combine(AppContext.BaseDirectory, FileName), .. KeptPlaces(key)];

    private static IEnumerable<string> KeptPlaces(string key)
    {
        var name = $"catalog-{key[..16].ToLowerInvariant()}.json";
        return
        [
            Path.Combine(Environment.GetEnvironmentVariable("XDG_CACHE_HOME") ?? "/var/cache", "ebpf-mcp", name),
            Path.Combine(AppContext.BaseDirectory, "ebpf-mcp." + name),
        ];
    }

    /// <summary>A listing made for <paramref name="key"/>, from any place listings are kept.</summary>
    public static ToolListing? Load(string key) => Places(key).Select(p => TryLoad(p, key)).FirstOrDefault(l => l is not null);

    /// <summary>Keeps the listing for the next start, where this process may write; a failure only costs that start its speed.</summary>
    public void SaveWherePossible()
    {
        foreach (var place in KeptPlaces(Key))
        {
            try
            {
                Directory.CreateDirectory(Path.GetDirectoryName(place)!);
                Save(place);
                return;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
            }
        }
    }
}
