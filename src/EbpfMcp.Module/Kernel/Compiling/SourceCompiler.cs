using System.Security.Cryptography;
using System.Text;
using EbpfMcp.Native;

namespace EbpfMcp.Kernel.Compiling;

/// <summary>
/// Compiles a <see cref="CSource"/> into a CO-RE BPF object: copies of the source and its headers
/// in a private directory, clang with -g -O2 -target bpf -D__TARGET_ARCH_x86, -nostdinc and the
/// module's include directory only (vmlinux.h and libbpf's bpf/*.h). What the compiler read is
/// checked afterwards from its dependency list, and its messages are reported only for the source
/// itself. Objects are cached by the SHA-256 of everything that went into them.
/// </summary>
internal static class SourceCompiler
{
    public sealed record Result(byte[] Object, string Sha256, bool FromCache, string? Compiler);

    /// <summary>The module's headers: include/ beside the module's assembly.</summary>
    public static string IncludeDirectory { get; } = Path.Combine(Path.GetDirectoryName(typeof(SourceCompiler).Assembly.Location)!, "include");

    private static string[] Flags(string includeDirectory, string source, string output) =>
    [
        "-g", "-O2", "-target", "bpf", "-D__TARGET_ARCH_x86",
        "-nostdinc", "-I", includeDirectory,
        "-fno-color-diagnostics", "-fno-caret-diagnostics", "-fno-diagnostics-fixit-info", "-ferror-limit=50",
        "-MD", "-MF", "deps.d",
        "-c", source, "-o", output,
    ];

    public static Result Compile(CSource source, string reportedName, CancellationToken cancellation)
    {
        var compiler = ClangCompiler.Find(Environment.GetEnvironmentVariable("PATH"));
        var include = LibCFiles.RealPath(IncludeDirectory, out _) ?? IncludeDirectory;
        var key = Key(compiler.Path, include, source);
        if (CompiledObjectCache.TryGet(key, out var cached))
        {
            return new Result(cached, key, true, compiler.Path);
        }

        var work = Directory.CreateTempSubdirectory("ebpf-mcp-cc-").FullName; // 0700, ours alone
        try
        {
            File.WriteAllBytes(Path.Combine(work, source.FileName), source.Bytes);
            foreach (var (relative, bytes) in source.Headers)
            {
                var copy = Path.Combine(work, relative);
                Directory.CreateDirectory(Path.GetDirectoryName(copy)!);
                File.WriteAllBytes(copy, bytes);
            }
            var outcome = compiler.Run(work, Flags(include, source.FileName, "out.bpf.o"), cancellation);
            var diagnostics = CompilerDiagnostics.Parse(outcome.Messages, source.FileName, reportedName);
            if (outcome.TimedOut)
            {
                throw new BpfCompilationException(reportedName, diagnostics, $"the compiler ran longer than {ClangCompiler.TimeLimit.TotalSeconds} s and was stopped");
            }
            if (outcome.ExitCode != 0)
            {
                var reason = diagnostics.Any(d => d.Severity.EndsWith("error", StringComparison.Ordinal)) ? null
                    : outcome.ExitCode > 128 || outcome.Messages.Contains("out of memory", StringComparison.OrdinalIgnoreCase)
                        ? $"the compiler failed (exit {outcome.ExitCode}) without an error about the source; it may have reached its limits ({ClangCompiler.MemoryLimitBytes >> 20} MiB of address space, {ClangCompiler.TimeLimit.TotalSeconds} s)"
                        : $"the compiler failed (exit {outcome.ExitCode}) without an error about the source itself (an error in a header is not reported)";
                throw new BpfCompilationException(reportedName, diagnostics, reason);
            }
            CheckDependencies(Path.Combine(work, "deps.d"), work, include, reportedName);
            var bytesOut = File.ReadAllBytes(Path.Combine(work, "out.bpf.o"));
            CompiledObjectCache.Add(key, bytesOut);
            return new Result(bytesOut, key, false, compiler.Path);
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    /// <summary>
    /// A second line of defence behind <see cref="IncludeScanner"/>: every file the compiler read
    /// must be one of the copies or a module header; otherwise the object is thrown away.
    /// </summary>
    private static void CheckDependencies(string depsFile, string work, string include, string reportedName)
    {
        var text = File.ReadAllText(depsFile).Replace("\\\n", " ", StringComparison.Ordinal);
        var colon = text.IndexOf(": ", StringComparison.Ordinal);
        foreach (var dependency in text[(colon + 2)..].Split([' ', '\n', '\t'], StringSplitOptions.RemoveEmptyEntries))
        {
            var full = Path.GetFullPath(dependency, work);
            if (!full.StartsWith(work + "/", StringComparison.Ordinal) && !full.StartsWith(include + "/", StringComparison.Ordinal))
            {
                throw new BpfException("PolicyDenied", $"Compiling '{reportedName}' read '{full}', outside the source's own files and the module's include directory; the object was discarded and nothing was loaded.");
            }
        }
    }

    private static string Key(string compiler, string include, CSource source)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        void Add(string text)
        {
            var bytes = Encoding.UTF8.GetBytes(text);
            hash.AppendData(BitConverter.GetBytes(bytes.Length));
            hash.AppendData(bytes);
        }
        Add(compiler);
        Add(string.Join('\0', Flags(include, source.FileName, "")));
        hash.AppendData(SHA256.HashData(source.Bytes));
        foreach (var (relative, bytes) in source.Headers.OrderBy(h => h.Key, StringComparer.Ordinal))
        {
            Add(relative);
            hash.AppendData(SHA256.HashData(bytes));
        }
        return Convert.ToHexString(hash.GetHashAndReset()).ToLowerInvariant();
    }
}
