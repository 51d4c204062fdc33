using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using EbpfMcp.Tests.Infrastructure;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace EbpfMcp.Tests;

/// <summary>
/// Issue #11: the attacks a hostile MCP client or a local unprivileged user would try, each
/// performed against the real bridge, refused with a structured error, and nothing loaded,
/// pinned, written or lost (the kernel's own count of bpf(2) calls says so where it matters).
/// </summary>
public sealed class BridgeSecurityTests : IDisposable
{
    private readonly string scratch = Directory.CreateTempSubdirectory("ebpf-mcp-sec-").FullName;

    public void Dispose() => Directory.Delete(scratch, recursive: true);

    private string Dir(string name) => Directory.CreateDirectory(Path.Combine(scratch, name)).FullName;

    private static JsonElement Error(CallToolResult r) => r.StructuredContent!.Value.GetProperty("error");

    private static string ErrorId(CallToolResult r) => Error(r).GetProperty("errorId").GetString()!;

    private static Dictionary<string, object?> Args(params (string, object?)[] pairs) => pairs.ToDictionary(p => p.Item1, p => p.Item2);

    private const string Install = "Install-BpfProgram";
    private const string ModuleError = ",EbpfMcp.Commands.InstallBpfProgramCommand";

    /// <summary>A stdio bridge with a unique marker on its command line, so the test can find its pid.</summary>
    private async Task<(McpClient Client, int Pid)> StartAsync(Action<StdioClientTransportOptions>? configure, params string[] arguments)
    {
        var marker = Path.Combine(scratch, $"audit-{Guid.NewGuid():N}.log");
        var client = await BridgeProcess.StdioClientAsync(o => configure?.Invoke(o), [.. arguments, "--audit-log", marker]);
        // The bridge answers tools/list before its engine is up, and the engine probes the kernel as it
        // warms up: a first call waits for it, so what the tests count afterwards is theirs alone.
        await client.CallToolAsync("Get-BpfKernelInfo");
        return (client, BridgeProcess.PidOf(marker));
    }

    // HIGH 1 -----------------------------------------------------------------------------------

    [Fact]
    public async Task AllowSourceCannotBeEscapedThroughPowerShellPathsOrLinks()
    {
        KernelPrerequisites.Require();
        var allowed = Dir("allowed");
        var outside = Dir("outside");
        File.Copy(TestObjects.Counter, Path.Combine(outside, "x.bpf.o"));
        File.Copy(TestObjects.Counter, Path.Combine(allowed, "ok.bpf.o"));
        File.CreateSymbolicLink(Path.Combine(allowed, "link.bpf.o"), Path.Combine(outside, "x.bpf.o"));
        using var watch = new BpfCallWatch();
        var before = KernelPrograms.Ids();
        // Started from inside the allowed directory, with a home and a temp directory outside it:
        // .NET reads "~/x" and "Temp:/x" as names inside the current directory, PowerShell does not.
        var (client, pid) = await StartAsync(o =>
        {
            o.WorkingDirectory = allowed;
            o.EnvironmentVariables = new Dictionary<string, string?> { ["HOME"] = outside, ["TMPDIR"] = outside };
        }, "--allow-deploy", "--allow-source", allowed);
        await using (client)
        {
            var startup = watch.KernelChanges(pid); // the bridge probes the kernel as it starts
            string[] attacks = [$"{allowed}/..\\outside\\x.bpf.o", "~/x.bpf.o", "Temp:/x.bpf.o", Path.Combine(allowed, "link.bpf.o")];
            foreach (var path in attacks)
            {
                var refused = await client.CallToolAsync(Install, Args(("Path", path)));
                Assert.True(refused.IsError, $"{path} was loaded");
                Assert.Equal("PolicyDenied" + ModuleError, ErrorId(refused));
                Assert.Contains(Path.Combine(outside, "x.bpf.o"), Error(refused).GetProperty("message").GetString()); // the real file is named
            }
            Assert.Equal(startup, watch.KernelChanges(pid));
            KernelPrograms.AssertReturnsTo(before);

            // The allowed file itself loads, by a path relative to where the bridge runs: the check is not a blanket refusal.
            var ok = await client.CallToolAsync(Install, Args(("Path", "ok.bpf.o")));
            Assert.NotEqual(true, ok.IsError);
            Assert.Equal(Path.Combine(allowed, "ok.bpf.o"), ok.StructuredContent!.Value.GetProperty("items")[0].GetProperty("Source").GetString());
        }
        KernelPrograms.AssertReturnsTo(before);
    }

    // MEDIUM 2 ---------------------------------------------------------------------------------

    [Fact]
    public async Task UrlAllowlistComparesSchemeHostPortAndPathAndRechecksRedirects()
    {
        KernelPrerequisites.Require();
        var bytes = File.ReadAllBytes(TestObjects.Counter);
        using var good = new TestWebServer(tls: false);
        using var evil = new TestWebServer(tls: false);
        int goodPort = new Uri(good.BaseUrl).Port, evilPort = new Uri(evil.BaseUrl).Port;
        good.Serve("/objects/counter.bpf.o", bytes);
        good.Serve("/objects-evil/counter.bpf.o", bytes);
        good.Redirect("/objects/moved", evil.BaseUrl + "/counter.bpf.o");
        evil.Serve("/counter.bpf.o", bytes);
        var before = KernelPrograms.Ids();
        // Entries a string-prefix check gets wrong: a bare origin (user info), a path without its
        // slash (sibling directories), and a port that is a prefix of the evil server's port.
        await using var client = await BridgeProcess.StdioClientAsync("--allow-deploy",
            "--allow-source", $"http://127.0.0.1:{goodPort}/objects",
            "--allow-source", $"http://localhost:{goodPort}",
            "--allow-source", $"http://127.0.0.1:{evilPort.ToString()[..^1]}");
        string[] attacks =
        [
            $"http://localhost:{goodPort}@127.0.0.1:{evilPort}/counter.bpf.o",
            $"http://127.0.0.1:{goodPort}/objects-evil/counter.bpf.o",
            $"http://127.0.0.1:{evilPort}/counter.bpf.o",
            $"http://127.0.0.1:{goodPort}/objects/moved",
        ];
        foreach (var uri in attacks)
        {
            var refused = await client.CallToolAsync(Install, Args(("Uri", uri), ("AllowHttp", true)));
            Assert.True(refused.IsError, $"{uri} was loaded");
            Assert.Equal("PolicyDenied" + ModuleError, ErrorId(refused));
        }
        Assert.Equal(0, evil.Requests); // never contacted: the redirect was refused before it was followed
        KernelPrograms.AssertReturnsTo(before);

        var ok = await client.CallToolAsync(Install, Args(("Uri", $"http://127.0.0.1:{goodPort}/objects/counter.bpf.o"), ("AllowHttp", true)));
        Assert.NotEqual(true, ok.IsError);
    }

    // MEDIUM 3 ---------------------------------------------------------------------------------

    [Fact]
    public async Task PaddedShortTokenIsRefusedAtStart()
    {
        var psi = BridgeProcess.Raw("-t", "http", "--port", BridgeProcess.FreePort().ToString());
        psi.Environment["EBPF_MCP_TOKEN"] = "x" + new string(' ', 20) + "\t";
        using var p = Process.Start(psi)!;
        var stderr = p.StandardError.ReadToEndAsync();
        Assert.True(p.WaitForExit(30_000), "the bridge started with a one-character token");
        Assert.NotEqual(0, p.ExitCode);
        Assert.Contains("EBPF_MCP_TOKEN is 1 character(s) long once surrounding white space is removed; at least 16", await stderr);
    }

    [Fact]
    public async Task AnAppsettingsFileInTheWorkingDirectoryConfiguresNothingAndNothingWatchesThatTree()
    {
        // ASP.NET's defaults read appsettings.json from the working directory: this one would add a
        // listener on every address, beside the loopback one the command line asked for.
        var cwd = Dir("cwd");
        foreach (var i in Enumerable.Range(0, 20))
        {
            Directory.CreateDirectory(Path.Combine(cwd, $"sub{i}"));
        }
        var evilPort = BridgeProcess.FreePort();
        File.WriteAllText(Path.Combine(cwd, "appsettings.json"),
            $$"""{ "Kestrel": { "Endpoints": { "Any": { "Url": "http://0.0.0.0:{{evilPort}}" } } }, "Logging": { "LogLevel": { "Default": "Trace" } } }""");
        var port = BridgeProcess.FreePort();
        var psi = BridgeProcess.Raw("-t", "http", "--port", port.ToString(), "--module", BridgeProcess.TestModuleManifest);
        psi.Environment["EBPF_MCP_TOKEN"] = Guid.NewGuid().ToString("N");
        psi.WorkingDirectory = cwd;
        using var p = Process.Start(psi)!;
        try
        {
            var log = new List<string>();
            string? line;
            while ((line = await p.StandardError.ReadLineAsync()) is not null && !line.StartsWith("ebpf-mcp: listening on", StringComparison.Ordinal))
            {
                log.Add(line);
            }
            Assert.NotNull(line);
            // Its Logging section is not read either: no line below the default level (warning).
            Assert.DoesNotContain(log, l => l.Contains(": information:", StringComparison.Ordinal) || l.Contains(": trace:", StringComparison.Ordinal));
            using (var evil = new System.Net.Sockets.TcpClient())
            {
                await Assert.ThrowsAsync<System.Net.Sockets.SocketException>(() => evil.ConnectAsync(IPAddress.Loopback, evilPort));
            }

            // No inotify watch on the working directory (the defaults watched every directory under it).
            var inode = KernelPrerequisites.Run("stat", "-c", "%i", cwd).Trim();
            var watched = Directory.GetFiles($"/proc/{p.Id}/fd")
                .Where(fd => new FileInfo(fd).LinkTarget == "anon_inode:inotify")
                .SelectMany(fd => File.ReadLines($"/proc/{p.Id}/fdinfo/{Path.GetFileName(fd)}"))
                .Where(l => l.StartsWith("inotify wd:", StringComparison.Ordinal))
                .Select(l => Convert.ToUInt64(l.Split(' ').First(f => f.StartsWith("ino:", StringComparison.Ordinal))[4..], 16).ToString())
                .ToList();
            Assert.DoesNotContain(inode, watched);
        }
        finally
        {
            p.Kill();
        }
    }

    [Fact]
    public async Task PaddedLongTokenIsTrimmedAndCompared()
    {
        var token = Guid.NewGuid().ToString("N");
        var port = BridgeProcess.FreePort();
        var psi = BridgeProcess.Raw("-t", "http", "--port", port.ToString(), "--module", BridgeProcess.TestModuleManifest);
        psi.Environment["EBPF_MCP_TOKEN"] = "  " + token + " \n";
        using var p = Process.Start(psi)!;
        try
        {
            string? line;
            while ((line = await p.StandardError.ReadLineAsync()) is not null && !line.Contains("listening on")) { }
            using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
            var request = new HttpRequestMessage(HttpMethod.Post, "/mcp") { Content = new StringContent("""{"jsonrpc":"2.0","id":1,"method":"ping"}""", Encoding.UTF8, "application/json") };
            request.Headers.Authorization = new("Bearer", token[..^1] + "x"); // same length, one character off
            Assert.Equal(HttpStatusCode.Unauthorized, (await http.SendAsync(request)).StatusCode);
            request = new HttpRequestMessage(HttpMethod.Post, "/mcp") { Content = new StringContent("""{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"tool":"info","input":{}}}""", Encoding.UTF8, "application/json") };
            request.Headers.Authorization = new("Bearer", token);
            Assert.Equal(HttpStatusCode.OK, (await http.SendAsync(request)).StatusCode);
        }
        finally
        {
            p.Kill();
        }
    }

    // MEDIUM 4 ---------------------------------------------------------------------------------

    [Fact]
    public async Task PinRootOfAnotherUserOrALinkIsRefusedAndAFreshOneIsMadePrivate()
    {
        KernelPrerequisites.Require();
        var suffix = Guid.NewGuid().ToString("N")[..8];
        var planted = $"/sys/fs/bpf/ebpf-mcp-test-planted-{suffix}";
        var linked = $"/sys/fs/bpf/ebpf-mcp-test-link-{suffix}";
        var victim = $"/sys/fs/bpf/ebpf-mcp-test-victim-{suffix}";
        var fresh = $"/sys/fs/bpf/ebpf-mcp-test-fresh-{suffix}";
        Directory.CreateDirectory(planted);
        File.SetUnixFileMode(planted, (UnixFileMode)0x1FF); // 0777, as another user would leave it
        KernelPrerequisites.Run("chown", "65534:65534", planted);
        Directory.CreateDirectory(victim, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        File.CreateSymbolicLink(linked, victim);
        using var watch = new BpfCallWatch();
        var before = KernelPrograms.Ids();
        try
        {
            foreach (var (root, why) in new[] { (planted, "belongs to uid 65534"), (linked, "link") })
            {
                var (client, pid) = await StartAsync(null, "--allow-deploy", "--pin-root", root);
                await using (client)
                {
                    var startup = watch.KernelChanges(pid);
                    var refused = await client.CallToolAsync(Install, Args(("Path", TestObjects.Counter), ("PinPath", root + "/app")));
                    Assert.True(refused.IsError, $"pinned under {root}");
                    Assert.Equal("PinPathUnsafe" + ModuleError, ErrorId(refused));
                    Assert.Contains(why, Error(refused).GetProperty("message").GetString());
                    Assert.Equal(startup, watch.KernelChanges(pid)); // refused before anything reached the kernel
                }
            }
            Assert.Empty(Directory.EnumerateFileSystemEntries(planted));
            Assert.Empty(Directory.EnumerateFileSystemEntries(victim));
            KernelPrograms.AssertReturnsTo(before);

            // A pin root that does not exist yet is created by the bridge's module: root-owned, 0700.
            await using (var client = await BridgeProcess.StdioClientAsync("--allow-deploy", "--pin-root", fresh))
            {
                var pinned = await client.CallToolAsync(Install, Args(("Path", TestObjects.Counter), ("PinPath", fresh + "/app")));
                Assert.NotEqual(true, pinned.IsError);
                Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(fresh));
                Assert.Equal("0", KernelPrerequisites.Run("stat", "-c", "%u", fresh).Trim());
                Assert.True(File.Exists(fresh + "/app/count_getpgid"));
            }
            Assert.False(Directory.Exists(fresh)); // the session ended: pins and the directories made for them are gone
        }
        finally
        {
            File.Delete(linked);
            Directory.Delete(victim, true);
            Directory.Delete(planted, true);
        }
    }

    // MEDIUM 5 ---------------------------------------------------------------------------------

    [Fact]
    public async Task FifoAndDevicePathsAreRefusedWithoutHangingThePool()
    {
        KernelPrerequisites.Require();
        var fifo = Path.Combine(Dir("fifo"), "fifo.bpf.o");
        KernelPrerequisites.Run("mkfifo", fifo);
        await using var client = await BridgeProcess.StdioClientAsync("--allow-deploy", "--pool", "2");
        // More calls than runspaces: a hanging one would starve the rest.
        var calls = new[] { fifo, fifo, fifo, "/dev/zero" }.Select(p => client.CallToolAsync(Install, Args(("Path", p))).AsTask()).ToArray();
        var results = await Task.WhenAll(calls).WaitAsync(TimeSpan.FromSeconds(30));
        Assert.All(results, r => Assert.Equal("NotRegularFile" + ModuleError, ErrorId(r)));
        Assert.Contains("FIFO", Error(results[0]).GetProperty("message").GetString());
        Assert.Contains("character device", Error(results[3]).GetProperty("message").GetString());
        var next = await client.CallToolAsync("Get-BpfTestEcho", Args(("Text", "still serving"))).AsTask().WaitAsync(TimeSpan.FromSeconds(10));
        Assert.NotEqual(true, next.IsError);
    }

    [Fact]
    public async Task ACancelledCommandThatIgnoresTheStopGivesItsRunspaceBack()
    {
        // One runspace, taken by a command that ignores the stop request.
        await using var client = await BridgeProcess.StdioClientAsync("--pool", "1");
        _ = client.StartToolCall("stuck", "Measure-BpfTestWait", """{"Seconds":40,"IgnoreStop":true}""");
        await Task.Delay(500);
        var clock = Stopwatch.StartNew();
        await client.CancelAsync("stuck");
        var next = await client.CallToolAsync("Measure-BpfTestWait", Args(("Seconds", 1))).AsTask().WaitAsync(TimeSpan.FromSeconds(20));
        Assert.NotEqual(true, next.IsError);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"the next call waited {clock.Elapsed} for the stuck runspace");
    }

    // MEDIUM 6 ---------------------------------------------------------------------------------

    [Fact]
    public async Task ASlowlyDrippingDownloadHitsOneDeadlineForTheWholeTransfer()
    {
        KernelPrerequisites.Require();
        using var server = new TestWebServer(tls: false);
        server.Drip("/slow.bpf.o", File.ReadAllBytes(TestObjects.Counter)); // headers at once, then 5 bytes a second
        var before = KernelPrograms.Ids();
        await using var client = await BridgeProcess.StdioClientAsync("--allow-deploy");
        var clock = Stopwatch.StartNew();
        var refused = await client.CallToolAsync(Install, Args(("Uri", server.BaseUrl + "/slow.bpf.o"), ("AllowHttp", true), ("TimeoutSec", 2))).AsTask().WaitAsync(TimeSpan.FromSeconds(30));
        Assert.True(refused.IsError);
        Assert.Equal("DownloadTimedOut" + ModuleError, ErrorId(refused));
        Assert.Equal("OperationTimeout", Error(refused).GetProperty("category").GetString());
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(8), $"the download ran {clock.Elapsed}");
        KernelPrograms.AssertReturnsTo(before);
    }

    // MEDIUM 7 ---------------------------------------------------------------------------------

    [Fact]
    public async Task ASessionFloodIsRefusedWithoutEvictingLiveSessionsOrTheirPrograms()
    {
        KernelPrerequisites.Require();
        await using var bridge = await HttpBridge.StartAsync("--allow-deploy", "--max-sessions", "6");
        await using var owner = await bridge.McpClientAsync();
        var installed = await owner.CallToolAsync(Install, Args(("Path", TestObjects.Counter), ("Attach", true)));
        Assert.NotEqual(true, installed.IsError);
        var programIds = installed.StructuredContent!.Value.GetProperty("items")[0].GetProperty("Programs").EnumerateArray().Select(p => p.GetProperty("Id").GetUInt32()).ToList();

        using var http = bridge.NewHttpClient();
        var accepted = new List<string>();
        int refused = 0;
        for (int i = 0; i < 12; i++)
        {
            var request = new HttpRequestMessage(HttpMethod.Post, "/mcp") { Content = new StringContent("""{"jsonrpc":"2.0","id":""" + i + ""","method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"flood","version":"1"}}}""", Encoding.UTF8, "application/json") };
            request.Headers.Accept.ParseAdd("application/json");
            request.Headers.Accept.ParseAdd("text/event-stream");
            using var response = await http.SendAsync(request);
            if (response.StatusCode == HttpStatusCode.ServiceUnavailable)
            {
                refused++;
                var error = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
                Assert.Equal(i, (int)error["id"]!);
                Assert.Contains("--max-sessions", (string)error["error"]!["message"]!);
            }
            else
            {
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
                accepted.Add(response.Headers.GetValues("Mcp-Session-Id").Single());
            }
        }
        Assert.Equal(5, accepted.Count); // six in all, with the owner's
        Assert.Equal(7, refused);

        // The first session was not evicted: it still answers, and its programs are still loaded.
        var mine = await owner.CallToolAsync("Get-BpfInstallation", Args());
        Assert.Equal(1, mine.StructuredContent!.Value.GetProperty("count").GetInt32());
        Assert.All(programIds, id => Assert.Contains(id, KernelPrograms.Ids()));

        // Ending a session makes room for one more.
        var delete = new HttpRequestMessage(HttpMethod.Delete, "/mcp");
        delete.Headers.Add("Mcp-Session-Id", accepted[0]);
        Assert.Equal(HttpStatusCode.OK, (await http.SendAsync(delete)).StatusCode);
        await using var late = await bridge.McpClientAsync();
        Assert.NotEqual(true, (await late.CallToolAsync("Get-BpfTestEcho", Args(("Text", "room again")))).IsError);
    }

    [Fact]
    public async Task ClientsConnectingAtOnceGetEverySessionTheCapAllows()
    {
        KernelPrerequisites.Require();
        const int cap = 16;
        await using var bridge = await HttpBridge.StartAsync("--max-sessions", cap.ToString());
        // Twice: all at once up to the cap, then all ended (DELETE) and all at once again. An
        // initialize still being answered once its session had started counted twice, and clients
        // connecting together were refused below the cap.
        for (int round = 0; round < 2; round++)
        {
            var clients = await Task.WhenAll(Enumerable.Range(0, cap).Select(_ => bridge.McpClientAsync()));
            var beyond = await Assert.ThrowsAnyAsync<Exception>(bridge.McpClientAsync);
            Assert.Contains("--max-sessions", beyond.ToString());
            foreach (var client in clients)
            {
                await client.DisposeAsync();
            }
        }
    }

    // LOW 8 ------------------------------------------------------------------------------------

    [Fact]
    public async Task AHugeFileIsRefusedBeforeItIsReadAndTheServerCapIsTheCeiling()
    {
        KernelPrerequisites.Require();
        // A valid object padded with zeros to 1 GiB (sparse: no disk is used).
        var big = Path.Combine(Dir("big"), "big.bpf.o");
        File.Copy(TestObjects.Counter, big);
        using (var f = new FileStream(big, FileMode.Open))
        {
            f.SetLength(1L << 30);
        }
        using var watch = new BpfCallWatch();
        var before = KernelPrograms.Ids();
        var (client, pid) = await StartAsync(null, "--allow-deploy");
        await using (client)
        {
            var startup = watch.KernelChanges(pid);
            long peak = BridgeProcess.PeakResidentBytes(pid);
            var refused = await client.CallToolAsync(Install, Args(("Path", big)));
            Assert.True(refused.IsError);
            Assert.Equal("ObjectTooLarge" + ModuleError, ErrorId(refused));
            Assert.Equal("LimitsExceeded", Error(refused).GetProperty("category").GetString());
            Assert.True(BridgeProcess.PeakResidentBytes(pid) - peak < 64L << 20, $"the bridge's peak memory grew by {(BridgeProcess.PeakResidentBytes(pid) - peak) >> 20} MiB");

            // The cap is the server's: no argument raises it.
            var raised = await client.CallToolAsync(Install, Args(("Path", big), ("MaxDownloadBytes", 1L << 30)));
            Assert.Equal("InvalidArgument", ErrorId(raised));
            raised = await client.CallToolAsync(Install, Args(("Path", big), ("MaxObjectBytes", 1L << 30)));
            Assert.Equal("InvalidArgument", ErrorId(raised));
            Assert.Equal(startup, watch.KernelChanges(pid));
        }
        KernelPrograms.AssertReturnsTo(before);
    }

    [Fact]
    public async Task AnObjectOverTheQuotaIsRefusedBeforeTheKernelSeesIt()
    {
        KernelPrerequisites.Require();
        using var watch = new BpfCallWatch();
        var before = KernelPrograms.Ids();
        var (client, pid) = await StartAsync(null, "--allow-deploy", "--quota-maps", "1");
        await using (client)
        {
            var startup = watch.KernelChanges(pid);
            var refused = await client.CallToolAsync(Install, Args(("Path", TestObjects.Counter))); // two maps
            Assert.True(refused.IsError);
            Assert.Equal(startup, watch.KernelChanges(pid)); // not loaded and rolled back: never loaded
            Assert.Equal("QuotaExceeded" + ModuleError, ErrorId(refused));
            Assert.Contains("2 map(s), more than the 1 allowed", Error(refused).GetProperty("message").GetString());
        }
        KernelPrograms.AssertReturnsTo(before);
    }

    // LOW 9 ------------------------------------------------------------------------------------

    [Fact]
    public async Task AuditLogIsPrivateExactAndRecordsRefusals()
    {
        KernelPrerequisites.Require();
        var log = Path.Combine(scratch, "audit.log");
        var allowed = Dir("allowed");
        await using (var bridge = await HttpBridge.StartAsync("--allow-deploy", "--allow-source", allowed, "--audit-log", log, "--pool", "1"))
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(log));
            using (var anonymous = bridge.NewHttpClient(withToken: false))
            {
                Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.PostAsync("/mcp", new StringContent("{}"))).StatusCode);
            }
            await using var client = await bridge.McpClientAsync();
            Assert.True((await client.CallToolAsync(Install, Args(("Path", "/usr/bin/true")))).IsError);
            await client.CallToolAsync("Get-BpfTestEcho", Args(("Text", new string('a', 10_000))));

            // A call cancelled while it waits for the only runspace is "cancelled", not "ok".
            var busy = client.CallToolAsync("Measure-BpfTestWait", Args(("Seconds", 3))).AsTask();
            await Task.Delay(300);
            _ = client.StartToolCall("queued", "Get-BpfTestEcho", """{"Text":"queued"}""");
            await Task.Delay(300);
            await client.CancelAsync("queued");
            await busy;
        }
        var lines = File.ReadAllLines(log).Select(l => JsonNode.Parse(l)!).ToList();
        var unauthorized = Assert.Single(lines, l => (int?)l["httpStatus"] == 401);
        Assert.Equal("refused", (string)unauthorized["outcome"]!);
        Assert.Contains("bearer token", (string)unauthorized["reason"]!);

        var denied = Assert.Single(lines, l => (string?)l["tool"] == Install);
        Assert.Equal("refused", (string)denied["outcome"]!);
        Assert.Equal("PolicyDenied" + ModuleError, (string)denied["errorId"]!);
        Assert.Contains("not inside an allowed source directory", (string)denied["reason"]!);

        var echoes = lines.Where(l => (string?)l["tool"] == "Get-BpfTestEcho").ToList();
        var longText = (string)echoes.Single(l => (string?)l["outcome"] == "ok")["arguments"]!["Text"]!;
        Assert.True(longText.Length < 4200, $"{longText.Length} characters stored");
        Assert.EndsWith("(10002 characters, cut)", longText);
        Assert.Equal("cancelled", (string)echoes.Single(l => (string?)l["arguments"]!["Text"] == "queued")["outcome"]!);
    }

    // LOW 10 -----------------------------------------------------------------------------------

    [Fact]
    public async Task ATokenDirectoryPlantedAsALinkIsNotFollowed()
    {
        var runtime = Dir("runtime");
        var victim = Dir("victim");
        Directory.CreateSymbolicLink(Path.Combine(runtime, "ebpf-mcp"), victim);
        var psi = BridgeProcess.Raw("-t", "http", "--port", BridgeProcess.FreePort().ToString());
        psi.Environment.Remove("EBPF_MCP_TOKEN");
        psi.Environment["XDG_RUNTIME_DIR"] = runtime;
        using var p = Process.Start(psi)!;
        var stderr = p.StandardError.ReadToEndAsync();
        try
        {
            Assert.True(p.WaitForExit(60_000), "the bridge kept running with its token in a planted directory");
            Assert.NotEqual(0, p.ExitCode);
            Assert.Contains("is a symbolic link: refusing to write the token there", await stderr);
            Assert.Empty(Directory.EnumerateFileSystemEntries(victim));
        }
        finally
        {
            if (!p.HasExited)
            {
                p.Kill();
            }
        }
    }

    // LOW 11 -----------------------------------------------------------------------------------

    [Fact]
    public async Task SeedDeployWithABadAttachValueIsAJsonRpcError()
    {
        await using var bridge = await HttpBridge.StartAsync("--allow-deploy");
        using var http = bridge.NewHttpClient();
        foreach (var attach in new[] { "\"yes\"", "1", "{}" })
        {
            var response = await http.PostAsync("/mcp", new StringContent("""{"jsonrpc":"2.0","id":11,"method":"tools/call","params":{"tool":"deploy","args":{"program_path":"/x.bpf.o","attach":""" + attach + "}}}"));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var body = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
            Assert.Equal(11, (int)body["id"]!);
            Assert.Equal(-32602, (int)body["error"]!["code"]!);
            Assert.Contains("attach must be true or false", (string)body["error"]!["message"]!);
        }
    }

    // LOW 12 -----------------------------------------------------------------------------------

    [Fact]
    public async Task AHundredMegabyteStdioMessageIsRefusedWithoutHoldingIt()
    {
        var psi = BridgeProcess.Raw("-t", "stdio", "--module", BridgeProcess.TestModuleManifest);
        using var p = Process.Start(psi)!;
        _ = p.StandardError.ReadToEndAsync();
        try
        {
            var stdin = p.StandardInput.BaseStream;
            async Task Send(string line) => await stdin.WriteAsync(Encoding.UTF8.GetBytes(line + "\n"));
            await Send("""{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"raw","version":"1"}}}""");
            Assert.Contains("\"id\":1", await p.StandardOutput.ReadLineAsync());
            await Send("""{"jsonrpc":"2.0","method":"notifications/initialized"}""");
            long peakBefore = BridgeProcess.PeakResidentBytes(p.Id);

            // 100 MB in one line, written in chunks: the id comes first, as clients write it.
            await stdin.WriteAsync(Encoding.UTF8.GetBytes("""{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"Get-BpfTestEcho","arguments":{"Text":" """.TrimEnd()));
            var chunk = Encoding.UTF8.GetBytes(new string('a', 1 << 20));
            for (int i = 0; i < 100; i++)
            {
                await stdin.WriteAsync(chunk);
            }
            await Send("\"}}}");
            await Send("""{"jsonrpc":"2.0","id":8,"method":"ping"}""");
            await stdin.FlushAsync();

            var refused = JsonNode.Parse((await p.StandardOutput.ReadLineAsync())!)!;
            Assert.Equal(7, (int)refused["id"]!);
            Assert.Contains("larger than the 4194304-byte limit", (string)refused["error"]!["message"]!);
            var pong = JsonNode.Parse((await p.StandardOutput.ReadLineAsync())!)!;
            Assert.Equal(8, (int)pong["id"]!);
            Assert.NotNull(pong["result"]);
            long grown = BridgeProcess.PeakResidentBytes(p.Id) - peakBefore;
            Assert.True(grown < 64L << 20, $"the bridge's peak memory grew by {grown >> 20} MiB");
        }
        finally
        {
            p.Kill();
        }
    }
}
