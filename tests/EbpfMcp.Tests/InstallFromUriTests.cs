using System.Management.Automation;
using System.Security.Cryptography;
using EbpfMcp.Model;
using EbpfMcp.Tests.Infrastructure;
using ModelContextProtocol.Client;

namespace EbpfMcp.Tests;

/// <summary>Install-BpfProgram -Uri against local servers: https works, everything unsafe is refused, nothing loads on refusal.</summary>
public sealed class InstallFromUriTests
{
    private static Dictionary<string, object?> Vars(params (string, object?)[] pairs) => pairs.ToDictionary(p => p.Item1, p => p.Item2);

    [Fact]
    public async Task HttpsDownloadInstallsAndChecksSha256ThroughTheBridge()
    {
        KernelPrerequisites.Require();
        using var server = new TestWebServer(tls: true);
        var bytes = File.ReadAllBytes(TestObjects.Counter);
        server.Serve("/counter.bpf.o", bytes);
        server.Serve("/big.bpf.o", [.. bytes, .. new byte[16384]]);
        server.Redirect("/moved", "/counter.bpf.o");
        server.Redirect("/to-http", "http://127.0.0.1:9/counter.bpf.o");
        var sha = Convert.ToHexString(SHA256.HashData(bytes)).ToLowerInvariant();
        var before = KernelPrograms.Ids();

        // The bridge process trusts the test certificate through OpenSSL's SSL_CERT_FILE.
        var transport = new StdioClientTransport(new StdioClientTransportOptions
        {
            Command = BridgeProcess.Executable,
            // The server's object cap is the ceiling (a client cannot raise it): 16 KiB here.
            Arguments = ["-t", "stdio", "--allow-deploy", "--max-object", "16384"],
            EnvironmentVariables = new Dictionary<string, string?> { ["SSL_CERT_FILE"] = server.CertificatePemPath },
        });
        await using (var client = await McpClient.CreateAsync(transport, BridgeProcess.ClientOptions))
        {
            var ok = await client.CallToolAsync("Install-BpfProgram", new Dictionary<string, object?> { ["Uri"] = server.BaseUrl + "/moved", ["Sha256"] = sha });
            Assert.True(ok.IsError != true, ok.Content.OfType<ModelContextProtocol.Protocol.TextContentBlock>().FirstOrDefault()?.Text);
            var installation = ok.StructuredContent!.Value.GetProperty("items")[0];
            Assert.Equal(server.BaseUrl + "/moved", installation.GetProperty("Source").GetString());
            Assert.Equal(sha, installation.GetProperty("Sha256").GetString());
            Assert.Equal(2, installation.GetProperty("ProgramCount").GetInt32());

            async Task<string> Refused(Dictionary<string, object?> args)
            {
                var r = await client.CallToolAsync("Install-BpfProgram", args);
                Assert.True(r.IsError);
                return r.StructuredContent!.Value.GetProperty("error").GetProperty("errorId").GetString()!;
            }
            var programsWithOne = KernelPrograms.Ids();
            Assert.StartsWith("Sha256Mismatch,", await Refused(new() { ["Uri"] = server.BaseUrl + "/counter.bpf.o", ["Sha256"] = new string('a', 64) }));
            Assert.StartsWith("RedirectRefused,", await Refused(new() { ["Uri"] = server.BaseUrl + "/to-http" }));
            Assert.StartsWith("DownloadTooLarge,", await Refused(new() { ["Uri"] = server.BaseUrl + "/big.bpf.o" }));
            Assert.Equal("InvalidArgument", await Refused(new() { ["Uri"] = server.BaseUrl + "/big.bpf.o", ["MaxDownloadBytes"] = 1L << 30 }));
            Assert.StartsWith("DownloadFailed,", await Refused(new() { ["Uri"] = server.BaseUrl + "/missing" }));
            KernelPrograms.AssertReturnsTo(programsWithOne); // refusals loaded nothing
        }
        KernelPrograms.AssertReturnsTo(before); // the session ended: its installation is gone
    }

    [Fact]
    public void PlainHttpIsRefusedUnlessAllowedAndLoopback()
    {
        KernelPrerequisites.Require();
        using var server = new TestWebServer(tls: false);
        server.Serve("/counter.bpf.o", File.ReadAllBytes(TestObjects.Counter));
        server.Serve("/not-bpf", File.ReadAllBytes("/usr/bin/true"));
        using var ps = new PowerShellSession();
        var before = KernelPrograms.Ids();

        var refused = ps.Fails("Install-BpfProgram -Uri $u", Vars(("u", server.BaseUrl + "/counter.bpf.o")));
        Assert.Equal("InsecureUri,EbpfMcp.Commands.InstallBpfProgramCommand", refused.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.SecurityError, refused.CategoryInfo.Category);

        var notLoopback = ps.Fails("Install-BpfProgram -Uri 'http://192.0.2.1/x.bpf.o' -AllowHttp");
        Assert.Equal("InsecureUri,EbpfMcp.Commands.InstallBpfProgramCommand", notLoopback.FullyQualifiedErrorId);

        var ftp = ps.Fails("Install-BpfProgram -Uri 'ftp://127.0.0.1/x.bpf.o'");
        Assert.Equal("InsecureUri,EbpfMcp.Commands.InstallBpfProgramCommand", ftp.FullyQualifiedErrorId);

        // A download that is not a BPF object is checked like a file.
        var notBpf = ps.Fails("Install-BpfProgram -Uri $u -AllowHttp", Vars(("u", server.BaseUrl + "/not-bpf")));
        Assert.Equal("NotBpfElf,EbpfMcp.Commands.InstallBpfProgramCommand", notBpf.FullyQualifiedErrorId);
        KernelPrograms.AssertReturnsTo(before);

        var installed = (BpfInstallation)ps.Ok("Install-BpfProgram -Uri $u -AllowHttp", Vars(("u", server.BaseUrl + "/counter.bpf.o"))).Single().BaseObject;
        Assert.Equal(2, installed.ProgramCount);
        ps.Ok("Uninstall-BpfProgram -Id $i", Vars(("i", installed.Id)));
        KernelPrograms.AssertReturnsTo(before);
        Assert.Empty(Directory.GetFiles(Path.GetTempPath(), "ebpf-mcp-*.bpf.o")); // downloads are deleted
    }
}
