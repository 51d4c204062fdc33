using System.Management.Automation;
using EbpfMcp.Kernel.Compiling;
using EbpfMcp.Model;
using EbpfMcp.Native;
using EbpfMcp.Tests.Infrastructure;

namespace EbpfMcp.Tests;

/// <summary>
/// Issue #19 item 1, as a pwsh user meets it: Install-BpfProgram -Path x.bpf.c compiles with the
/// clang on PATH (the module's headers only, its own headers copied from beside it), loads what it
/// compiled into the real kernel, caches it, and reports compiler errors as structured diagnostics
/// about the source alone; include tricks are refused before any compiler runs.
/// </summary>
public sealed class InstallFromSourceTests() : KernelScratchTest("ebpf-mcp-compile-")
{
    /// <summary>
    /// Counts getpgid(TARGET) calls, WEIGHT per call, in a one-slot array. TARGET and WEIGHT come
    /// from the source's own headers (one nested), so the test knows what a working object counts.
    /// </summary>
    public static string WeightedCounter(string directory, int target, int weight)
    {
        Directory.CreateDirectory(Path.Combine(directory, "sub"));
        File.WriteAllText(Path.Combine(directory, "sub", "weight.h"), $"#include \"target.h\"\n#define WEIGHT {weight}\n");
        File.WriteAllText(Path.Combine(directory, "sub", "target.h"), $"#define TARGET {target}\n");
        var source = Path.Combine(directory, "weighted.bpf.c");
        File.WriteAllText(source, """
            // SPDX-License-Identifier: GPL-2.0
            #include "vmlinux.h"
            #include <bpf/bpf_helpers.h>
            #include "sub/weight.h"

            struct {
            	__uint(type, BPF_MAP_TYPE_ARRAY);
            	__uint(max_entries, 1);
            	__type(key, __u32);
            	__type(value, __u64);
            } weighted_calls SEC(".maps");

            SEC("tracepoint/syscalls/sys_enter_getpgid")
            int count_weighted(struct trace_event_raw_sys_enter *ctx)
            {
            	__u32 key = 0;
            	__u64 *value;

            	if (ctx->args[0] != TARGET)
            		return 0;
            	value = bpf_map_lookup_elem(&weighted_calls, &key);
            	if (value)
            		__sync_fetch_and_add(value, WEIGHT);
            	return 0;
            }

            char LICENSE[] SEC("license") = "GPL";
            """);
        return source;
    }

    [Fact]
    public void ACSourceWithItsOwnHeadersCompilesLoadsCountsAndIsCached()
    {
        var source = WeightedCounter(Scratch, Getpgid.UniqueArgument(), 3);
        int target = int.Parse(File.ReadAllText(Path.Combine(Scratch, "sub", "target.h")).Split(' ')[2], System.Globalization.CultureInfo.InvariantCulture);
        using var ps = new PowerShellSession();
        var p = Vars(("p", source), ("d", Scratch));

        var first = ps.Ok("Install-BpfProgram -Path $p -AllowedSource $d -Attach -Verbose 4>&1", p);
        var installation = (BpfInstallation)first.Single(o => o.BaseObject is BpfInstallation).BaseObject;
        Assert.Contains(first, o => o.BaseObject is VerboseRecord v && v.Message.StartsWith($"Compiled '{source}' with ", StringComparison.Ordinal));
        Assert.Equal(source, installation.Source);
        var program = Assert.Single(installation.Programs);
        Assert.Equal("count_weighted", program.Name);
        Assert.Contains(KernelPrograms.List(), k => k.Id == program.Id);

        // What the kernel counts is what the compiled code says: WEIGHT (3) per call with TARGET.
        Getpgid.Call(target, 4);
        Getpgid.Call(target + 1, 5);
        var map = installation.Maps.Single(m => m.Name == "weighted_calls");
        Assert.Equal(12UL, Convert.ToUInt64(ps.Ok("(Get-BpfMap -Id $id -Dump).Value", Vars(("id", map.Id))).Single().BaseObject, System.Globalization.CultureInfo.InvariantCulture));

        // The same inputs again: the object comes from the cache, and loads as a second installation.
        var second = ps.Ok("Install-BpfProgram -Path $p -AllowedSource $d -Verbose 4>&1", p);
        Assert.Contains(second, o => o.BaseObject is VerboseRecord v && v.Message.StartsWith("Using the object compiled earlier", StringComparison.Ordinal));
        var again = (BpfInstallation)second.Single(o => o.BaseObject is BpfInstallation).BaseObject;
        Assert.Equal(installation.Sha256, again.Sha256);

        // A changed header is a different input: compiled again.
        File.WriteAllText(Path.Combine(Scratch, "sub", "weight.h"), "#include \"target.h\"\n#define WEIGHT 5\n");
        var third = ps.Ok("Install-BpfProgram -Path $p -AllowedSource $d -Verbose 4>&1", p);
        Assert.Contains(third, o => o.BaseObject is VerboseRecord v && v.Message.StartsWith("Compiled ", StringComparison.Ordinal));
        var changed = (BpfInstallation)third.Single(o => o.BaseObject is BpfInstallation).BaseObject;
        Assert.NotEqual(installation.Sha256, changed.Sha256);

        ps.Ok("Uninstall-BpfProgram -Id $i", Vars(("i", new[] { installation.Id, again.Id, changed.Id })));
        KernelPrograms.AssertReturnsTo(Before);
    }

    [Fact]
    public void ABrokenSourceGivesCompilationFailedWithTheSourcesLinesOnly()
    {
        var secret = "SECRET-" + Guid.NewGuid().ToString("N");
        File.WriteAllText(Path.Combine(Scratch, "broken.h"), $"int {secret} = not_declared_in_header;\n");
        var source = Path.Combine(Scratch, "broken.bpf.c");
        File.WriteAllText(source, """
            #include "vmlinux.h"
            #include "broken.h"

            int first(void) { return missing_one; }
            int second(void)
            {
            	return 1 +;
            }
            """);
        using var ps = new PowerShellSession();
        var error = ps.Fails("Install-BpfProgram -Path $p", Vars(("p", source)));
        Assert.Equal("CompilationFailed", Id(error));
        Assert.Equal(ErrorCategory.InvalidData, error.CategoryInfo.Category);
        Assert.Equal(source, error.TargetObject);
        var diagnostics = ((BpfCompilationException)error.Exception).Diagnostics;
        // Only the source's own errors, at their lines and columns; the header's error is not reported.
        Assert.Equal([(4, 26, "error"), (7, 12, "error")], diagnostics.Select(d => (d.Line, d.Column, d.Severity)));
        Assert.All(diagnostics, d => Assert.Equal("broken.bpf.c", d.File));
        Assert.Contains("missing_one", diagnostics[0].Message);
        Assert.DoesNotContain(secret, string.Join("\n", diagnostics) + error.Exception.Message);
        Assert.Contains("line 4, column 26", error.Exception.Message);
        KernelPrograms.AssertReturnsTo(Before);
    }

    public static TheoryData<string> IncludeAttacks => new()
    {
        "#include \"/etc/shadow\"",
        "#include </etc/shadow>",
        "#include \"../outside/secret.h\"",
        "#include <bpf/../../../../etc/shadow>",
        "  #  include_next \"/etc/shadow\"",
        "%:include \"/etc/shadow\"",
        "#inc\\\nlude \"/etc/shadow\"",
        "#/* comment */include \"/etc/shadow\"",
        "#define F \"/etc/shadow\"\n#include F",
        "#if __has_include(\"/etc/shadow\")\n#endif",
        "#embed \"/etc/shadow\"",
        "#import \"./x.h\"",
    };

    [Theory]
    [MemberData(nameof(IncludeAttacks))]
    public void IncludesThatCouldReachOutsideAreRefusedBeforeCompiling(string directive)
    {
        var source = Path.Combine(Scratch, "attack.bpf.c");
        File.WriteAllText(source, "#include \"vmlinux.h\"\n" + directive + "\nchar LICENSE[] SEC(\"license\") = \"GPL\";\n");
        using var ps = new PowerShellSession();
        var error = ps.Fails("Install-BpfProgram -Path $p", Vars(("p", source)));
        Assert.Equal("PolicyDenied", Id(error));
        Assert.Contains("nothing was compiled", error.Exception.Message);
        KernelPrograms.AssertReturnsTo(Before);
    }

    [Fact]
    public void OwnHeadersMustLieInTheAllowedSourcesAndComments()
    {
        var allowed = Directory.CreateDirectory(Path.Combine(Scratch, "allowed")).FullName;
        var outside = Path.Combine(Scratch, "secret.h");
        File.WriteAllText(outside, "#define SECRET 1\n");
        File.CreateSymbolicLink(Path.Combine(allowed, "linked.h"), outside);
        var source = Path.Combine(allowed, "linked.bpf.c");
        // A directive inside a comment or a string is not one: only the real include is followed.
        File.WriteAllText(source, "#include \"vmlinux.h\"\n/* #include \"/etc/shadow\" */\nconst char *s = \"#include </etc/passwd>\";\n#include \"linked.h\"\n");
        using var ps = new PowerShellSession();
        var error = ps.Fails("Install-BpfProgram -Path $p -AllowedSource $d", Vars(("p", source), ("d", allowed)));
        Assert.Equal("PolicyDenied", Id(error));
        Assert.Contains($"really '{outside}'", error.Exception.Message);

        Assert.Equal("PolicyDenied", Id(ps.Fails("Install-BpfProgram -Path $p -NoCompile", Vars(("p", source)))));
        KernelPrograms.AssertReturnsTo(Before);
    }

    [Fact]
    public void ADownloadedSourceCompilesWithTheModuleHeadersOnly()
    {
        using var server = new TestWebServer(tls: false);
        var counter = File.ReadAllBytes(Path.Combine(TestObjects.RepoRoot, "examples", "counter.bpf.c"));
        server.Serve("/counter.bpf.c", counter);
        // A download has no directory beside it: its own "quoted" headers are not found.
        server.Serve("/local.bpf.c", System.Text.Encoding.ASCII.GetBytes("#include \"vmlinux.h\"\n#include \"local.h\"\n"));
        using var ps = new PowerShellSession();
        var installation = (BpfInstallation)ps.Ok("Install-BpfProgram -Uri $u -AllowHttp", Vars(("u", server.BaseUrl + "/counter.bpf.c"))).Single().BaseObject;
        Assert.Equal("count_syscalls", Assert.Single(installation.Programs).Name);
        ps.Ok("Uninstall-BpfProgram -Id $i", Vars(("i", installation.Id)));

        var error = ps.Fails("Install-BpfProgram -Uri $u -AllowHttp", Vars(("u", server.BaseUrl + "/local.bpf.c")));
        Assert.Equal("CompilationFailed", Id(error));
        Assert.Equal(2, Assert.Single(((BpfCompilationException)error.Exception).Diagnostics).Line);
        KernelPrograms.AssertReturnsTo(Before);
    }

    [Fact]
    public void TheCompilerRunsWithinItsMemoryAndTimeLimits()
    {
        var compiler = ClangCompiler.Find(Environment.GetEnvironmentVariable("PATH"));
        File.Copy(Path.Combine(TestObjects.RepoRoot, "examples", "counter.bpf.c"), Path.Combine(Scratch, "counter.bpf.c"));
        string[] arguments = ["-g", "-O2", "-target", "bpf", "-nostdinc", "-I", SourceCompiler.IncludeDirectory, "-c", "counter.bpf.c", "-o", "counter.bpf.o"];

        Assert.Equal(0, compiler.Run(Scratch, arguments, CancellationToken.None).ExitCode);
        // The same compile in 32 MiB of address space cannot even start: the limit holds from the first instruction.
        var starved = compiler.Run(Scratch, arguments, CancellationToken.None, memoryLimitBytes: 32L << 20);
        Assert.NotEqual(0, starved.ExitCode);
        // Parsing vmlinux.h alone takes longer than 100 ms: the deadline (or the CPU limit) stops it.
        var watch = System.Diagnostics.Stopwatch.StartNew();
        var slow = compiler.Run(Scratch, arguments, CancellationToken.None, timeLimit: TimeSpan.FromMilliseconds(100));
        Assert.True(slow.TimedOut || slow.ExitCode != 0, "a compile past its time limit was not stopped");
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(5), $"stopping took {watch.Elapsed}");
    }

    [Fact]
    public void WithoutClangOnPathTheErrorSaysWhatToInstall()
    {
        var source = WeightedCounter(Scratch, 1, 1);
        var path = Environment.GetEnvironmentVariable("PATH");
        try
        {
            // Tests run one at a time (xunit.runner.json), so no other test sees this PATH.
            Environment.SetEnvironmentVariable("PATH", Scratch + ":/nonexistent");
            using var ps = new PowerShellSession();
            var error = ps.Fails("Install-BpfProgram -Path $p", Vars(("p", source)));
            Assert.Equal("CompilerNotFound", Id(error));
            Assert.Equal(ErrorCategory.NotInstalled, error.CategoryInfo.Category);
            Assert.Contains("apt-get install clang", error.Exception.Message);
        }
        finally
        {
            Environment.SetEnvironmentVariable("PATH", path);
        }
        Assert.Equal("CompilerNotFound", Assert.Throws<BpfException>(() => ClangCompiler.Find("relative/bin:/nonexistent")).ErrorId);
        KernelPrograms.AssertReturnsTo(Before);
    }
}
