using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;
using System.Text.Json;
using EbpfMcp.Tests.Infrastructure;
using ModelContextProtocol;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace EbpfMcp.Tests;

/// <summary>
/// MCP resources through the C# SDK client against the real bridge: listed resources and
/// templates, reads that return what the tools return (a map the test made, the kernel it runs
/// on), not-found errors, and subscriptions that notify when a program is loaded or removed and
/// when a background trace gets events, at most once a second.
/// </summary>
public sealed class BridgeResourcesTests
{
    private static JsonElement Json(ReadResourceResult read, string uri)
    {
        var content = Assert.IsType<TextResourceContents>(Assert.Single(read.Contents));
        Assert.Equal(uri, content.Uri);
        Assert.Equal("application/json", content.MimeType);
        return JsonDocument.Parse(content.Text).RootElement;
    }

    private static async Task<JsonElement> ReadAsync(McpClient client, string uri) => Json(await client.ReadResourceAsync(uri), uri);

    [Fact]
    public async Task ResourcesAndTemplatesAreListedAndReadAsTheirToolsAnswer()
    {
        KernelPrerequisites.Require();
        await using var client = await BridgeProcess.StdioClientAsync();
        Assert.True(client.ServerCapabilities.Resources?.Subscribe);

        var listed = await client.ListResourcesAsync();
        Assert.Equal(["ebpf://hooks", "ebpf://kernel", "ebpf://maps"], listed.Select(r => r.Uri).Order(StringComparer.Ordinal));
        Assert.All(listed, r => Assert.Equal("application/json", r.MimeType));
        var templates = await client.ListResourceTemplatesAsync();
        Assert.Equal(["ebpf://maps/{id}", "ebpf://traces/{traceId}"], templates.Select(t => t.UriTemplate).Order(StringComparer.Ordinal));

        // The kernel resource is Get-BpfKernelInfo's answer: this machine's release.
        var kernel = await ReadAsync(client, "ebpf://kernel");
        Assert.Equal(1, kernel.GetProperty("count").GetInt32());
        Assert.Equal(KernelPrerequisites.Run("uname", "-r").Trim(), kernel.GetProperty("items")[0].GetProperty("KernelRelease").GetString());

        // A map made here (by bpf(2), in this process) is listed and its entries dumped.
        var (map, id) = TestMaps.HashWithoutBtf("ebpfmcp_res", Enumerable.Range(1, 3).Select(k => (uint)k), k => 0x1122334455667700UL + k);
        using (map)
        {
            var maps = await ReadAsync(client, "ebpf://maps");
            Assert.Contains(maps.GetProperty("items").EnumerateArray(), m => m.GetProperty("Id").GetUInt32() == id && m.GetProperty("Name").GetString() == "ebpfmcp_res");
            var dump = await ReadAsync(client, $"ebpf://maps/{id}");
            Assert.Equal(3, dump.GetProperty("count").GetInt32());
            var three = dump.GetProperty("items").EnumerateArray().Single(e => e.GetProperty("Key").GetString() == "03000000");
            Assert.Equal("0377665544332211", three.GetProperty("Value").GetString());
            // The same read as a tool gives the same items (resources are tools by another name).
            var tool = await client.CallToolAsync("Get-BpfMap", new Dictionary<string, object?> { ["Id"] = new[] { id }, ["Dump"] = true });
            Assert.Equal(dump.GetProperty("items").GetRawText(), tool.StructuredContent!.Value.GetProperty("items").GetRawText());
        }

        // Things that do not exist are JSON-RPC errors: resource not found, with the reason.
        var gone = await Assert.ThrowsAsync<McpProtocolException>(() => client.ReadResourceAsync($"ebpf://maps/{id}").AsTask());
        Assert.Equal(McpErrorCode.ResourceNotFound, gone.ErrorCode);
        Assert.Contains($"No BPF map with id {id}", gone.Message);
        var notANumber = await Assert.ThrowsAsync<McpProtocolException>(() => client.ReadResourceAsync("ebpf://maps/x1").AsTask());
        Assert.Equal(McpErrorCode.ResourceNotFound, notANumber.ErrorCode);
        var noTrace = await Assert.ThrowsAsync<McpProtocolException>(() => client.ReadResourceAsync("ebpf://traces/AAAAAAAAAAAAAAAAAAAAAA").AsTask());
        Assert.Equal(McpErrorCode.ResourceNotFound, noTrace.ErrorCode);
        var unknown = await Assert.ThrowsAsync<McpProtocolException>(() => client.ReadResourceAsync("ebpf://nothing").AsTask());
        Assert.Equal(McpErrorCode.ResourceNotFound, unknown.ErrorCode);
        // Subscriptions are for what changes on its own; a trace that does not exist is not found.
        var kernelSubscription = await Assert.ThrowsAsync<McpProtocolException>(() => client.SubscribeToResourceAsync("ebpf://kernel"));
        Assert.Equal(McpErrorCode.InvalidParams, kernelSubscription.ErrorCode);
        var traceSubscription = await Assert.ThrowsAsync<McpProtocolException>(() => client.SubscribeToResourceAsync("ebpf://traces/AAAAAAAAAAAAAAAAAAAAAA"));
        Assert.Equal(McpErrorCode.ResourceNotFound, traceSubscription.ErrorCode);
    }

    [Fact]
    public async Task HooksSubscriptionNotifiesWhenAProgramIsLoadedAndWhenItIsRemoved()
    {
        KernelPrerequisites.Require();
        var before = KernelPrograms.Ids();
        await using var client = await BridgeProcess.StdioClientAsync("--allow-deploy");
        var updates = new BlockingCollection<string>();
        await using (await client.SubscribeToResourceAsync("ebpf://hooks", (n, _) => { updates.Add(n.Uri); return ValueTask.CompletedTask; }))
        {
            var installed = await client.CallToolAsync("Install-BpfProgram", new Dictionary<string, object?> { ["Path"] = TestObjects.Counter });
            Assert.NotEqual(true, installed.IsError);
            var installation = installed.StructuredContent!.Value.GetProperty("items")[0];
            var programId = installation.GetProperty("Programs")[0].GetProperty("Id").GetUInt32();
            Assert.Equal("ebpf://hooks", await NextAsync(updates, programId, loaded: true, client));

            await client.CallToolAsync("Uninstall-BpfProgram", new Dictionary<string, object?> { ["Id"] = new[] { installation.GetProperty("Id").GetString() } });
            Assert.Equal("ebpf://hooks", await NextAsync(updates, programId, loaded: false, client));
        }
        KernelPrograms.AssertReturnsTo(before);
    }

    /// <summary>
    /// Waits for notifications until ebpf://hooks shows the program loaded (or gone): other
    /// developers' programs on this machine may notify too, ours must within a few seconds.
    /// </summary>
    private static async Task<string> NextAsync(BlockingCollection<string> updates, uint id, bool loaded, McpClient client)
    {
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < TimeSpan.FromSeconds(10))
        {
            if (updates.TryTake(out var uri, TimeSpan.FromSeconds(10) - deadline.Elapsed))
            {
                var hooks = await ReadAsync(client, "ebpf://hooks");
                var present = hooks.GetProperty("items").EnumerateArray().Any(h => h.GetProperty("Id").GetUInt32() == id);
                if (present == loaded)
                {
                    return uri;
                }
            }
        }
        Assert.Fail($"No notifications/resources/updated showed program {id} {(loaded ? "loaded" : "removed")} within 10 s.");
        return "";
    }

    [Fact]
    public async Task TraceSubscriptionNotifiesOfNewEventsAtMostOnceASecondAndOfItsEnd()
    {
        KernelPrerequisites.Require();
        var before = KernelPrograms.Ids();
        var missing = $"/nonexistent/ebpf-mcp-res-{Guid.NewGuid():N}";
        await using var client = await BridgeProcess.StdioClientAsync();
        var started = await client.CallToolAsync("Trace-BpfFileOpen", new Dictionary<string, object?> { ["AsJob"] = true, ["FailedOnly"] = true, ["PathLike"] = $"{missing}/*", ["Duration"] = 60 });
        var traceId = started.StructuredContent!.Value.GetProperty("items")[0].GetProperty("TraceId").GetString()!;
        var uri = $"ebpf://traces/{traceId}";
        try
        {
            var times = new ConcurrentQueue<TimeSpan>();
            var clock = Stopwatch.StartNew();
            await using (await client.SubscribeToResourceAsync(uri, (n, _) => { times.Enqueue(clock.Elapsed); return ValueTask.CompletedTask; }))
            {
                // One failed open every 50 ms for 3 s: 60 events, a notification at most once a second.
                var opens = 0;
                while (clock.Elapsed < TimeSpan.FromSeconds(3))
                {
                    _ = File.Exists(missing); // not an open: the trace must not count it
                    try { File.OpenRead($"{missing}/f").Dispose(); } catch (IOException) { }
                    opens++;
                    await Task.Delay(50);
                }
                await Task.Delay(2500); // the last events' notification
                var seen = times.ToArray();
                Assert.InRange(seen.Length, 2, 6);
                Assert.All(seen.Zip(seen.Skip(1)), pair => Assert.True(pair.Second - pair.First > TimeSpan.FromMilliseconds(800), $"notifications {pair.First} and {pair.Second} less than a second apart"));

                // Reading the resource gives every event so far, and keeps them for the next read.
                var results = await ReadAsync(client, uri);
                Assert.Equal(opens, results.GetProperty("events").GetInt64());
                Assert.Equal(opens, results.GetProperty("count").GetInt32());
                Assert.Equal(opens, (await ReadAsync(client, uri)).GetProperty("count").GetInt32());

                // The trace's end is news too.
                var heard = times.Count;
                var stopped = await client.CallToolAsync("Stop-BpfTrace", new Dictionary<string, object?> { ["TraceId"] = traceId });
                Assert.NotEqual(true, stopped.IsError);
                var waited = Stopwatch.StartNew();
                while (times.Count == heard && waited.Elapsed < TimeSpan.FromSeconds(5))
                {
                    await Task.Delay(100);
                }
                Assert.True(times.Count > heard, "no notification for the trace's end");
            }
        }
        finally
        {
            await client.CallToolAsync("Stop-BpfTrace", new Dictionary<string, object?> { ["TraceId"] = traceId });
        }
        KernelPrograms.AssertReturnsTo(before);
    }

    [Fact]
    public async Task OverHttpResourcesNeedTheTokenLikeTools()
    {
        KernelPrerequisites.Require();
        await using var bridge = await HttpBridge.StartAsync();
        using var anonymous = bridge.NewHttpClient(withToken: false);
        using var request = new HttpRequestMessage(HttpMethod.Post, "/mcp")
        {
            Content = new StringContent("""{"jsonrpc":"2.0","id":1,"method":"resources/read","params":{"uri":"ebpf://kernel"}}""", Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("Accept", "application/json, text/event-stream");
        var refused = await anonymous.SendAsync(request);
        Assert.Equal(System.Net.HttpStatusCode.Unauthorized, refused.StatusCode);

        await using var client = await bridge.McpClientAsync();
        var kernel = await ReadAsync(client, "ebpf://kernel");
        Assert.Equal(KernelPrerequisites.Run("uname", "-r").Trim(), kernel.GetProperty("items")[0].GetProperty("KernelRelease").GetString());
    }

    [Fact]
    public async Task TheTypeScriptClientListsReadsAndHearsOfAProgramItLoadsAndRemoves()
    {
        KernelPrerequisites.Require();
        var before = KernelPrograms.Ids();
        await using var bridge = await HttpBridge.StartAsync("--allow-deploy");
        var summary = BridgeTypeScriptClientTests.RunClientScript("resources.mjs", bridge.Endpoint.ToString(), bridge.Token, TestObjects.Counter);

        Assert.True(summary.GetProperty("capabilities").GetProperty("subscribe").GetBoolean());
        Assert.Equal(["ebpf://hooks", "ebpf://kernel", "ebpf://maps"], summary.GetProperty("resources").EnumerateArray().Select(r => r.GetProperty("uri").GetString()).Order(StringComparer.Ordinal));
        Assert.All(summary.GetProperty("resources").EnumerateArray(), r => Assert.Equal("application/json", r.GetProperty("mimeType").GetString()));
        Assert.Equal(["ebpf://maps/{id}", "ebpf://traces/{traceId}"], summary.GetProperty("templates").EnumerateArray().Select(t => t.GetString()).Order(StringComparer.Ordinal));
        var kernel = summary.GetProperty("kernel");
        Assert.Equal("application/json", kernel.GetProperty("mimeType").GetString());
        Assert.Equal(KernelPrerequisites.Run("uname", "-r").Trim(), kernel.GetProperty("data").GetProperty("items")[0].GetProperty("KernelRelease").GetString());
        Assert.Equal((int)McpErrorCode.ResourceNotFound, summary.GetProperty("notFound").GetProperty("code").GetInt32());
        Assert.Contains("No BPF map with id 4000000000", summary.GetProperty("notFound").GetProperty("message").GetString());

        // The program the client loaded, and then removed, each made ebpf://hooks notify.
        Assert.True(summary.GetProperty("loaded").GetProperty("notified").GetBoolean(), summary.ToString());
        Assert.True(summary.GetProperty("removed").GetProperty("notified").GetBoolean(), summary.ToString());
        Assert.All(summary.GetProperty("updates").EnumerateArray(), u => Assert.Equal("ebpf://hooks", u.GetProperty("uri").GetString()));
        var times = summary.GetProperty("updates").EnumerateArray().Select(u => u.GetProperty("at").GetInt64()).ToArray();
        Assert.All(times.Zip(times.Skip(1)), pair => Assert.True(pair.Second - pair.First > 800, $"notifications at {pair.First} and {pair.Second} ms less than a second apart"));
        // Its map read through the template: the program was never attached, so it counted nothing.
        var map = summary.GetProperty("map");
        Assert.StartsWith("ebpf://maps/", map.GetProperty("uri").GetString());
        Assert.Equal(0, map.GetProperty("data").GetProperty("count").GetInt32());
        KernelPrograms.AssertReturnsTo(before);
    }

    [Fact]
    public async Task TheBridgeLooksAtTheKernelOnlyWhileSomeoneSubscribes()
    {
        KernelPrerequisites.Require();
        const uint MapGetNextId = 12; // bpf(BPF_MAP_GET_NEXT_ID): how Get-BpfMap walks the maps
        var marker = Path.Combine(Path.GetTempPath(), $"ebpf-mcp-res-{Guid.NewGuid():N}.log");
        using var watch = new BpfCallWatch();
        try
        {
            await using var client = await BridgeProcess.StdioClientAsync("--audit-log", marker);
            await client.CallToolAsync("Get-BpfTestEcho", new Dictionary<string, object?> { ["Text"] = "up" }); // the engine is up
            var pid = BridgeProcess.PidOf(marker);
            await Task.Delay(2000);
            Assert.Equal(0UL, watch.Count(pid, MapGetNextId)); // nobody subscribes: nothing is looked at

            await client.SubscribeToResourceAsync("ebpf://maps");
            await Task.Delay(3500);
            Assert.True(watch.Count(pid, MapGetNextId) > 0, "no look at the maps while subscribed");

            await client.UnsubscribeFromResourceAsync("ebpf://maps");
            await Task.Delay(1500); // a look under way ends
            var after = watch.Count(pid, MapGetNextId);
            await Task.Delay(3000);
            Assert.Equal(after, watch.Count(pid, MapGetNextId));
        }
        finally
        {
            File.Delete(marker);
        }
    }
}
