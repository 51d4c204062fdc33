using System.Diagnostics;
using System.Text;
using EbpfMcp.Native;

namespace EbpfMcp.Kernel.Compiling;

/// <summary>
/// The clang found on PATH (clang, then clang-18 down to clang-14), run as a confined child:
/// an empty environment (no CPATH, CCC_OVERRIDE_OPTIONS or the like can add paths or flags), the
/// address space and CPU time capped by setrlimit (through the shell's ulimit before exec, so the
/// limits hold from the compiler's first instruction), a wall-clock deadline after which it is
/// killed, and its messages read only up to a cap.
/// </summary>
internal sealed class ClangCompiler
{
    public static readonly string[] Names = ["clang", "clang-18", "clang-17", "clang-16", "clang-15", "clang-14"];

    /// <summary>Address space the compiler may map (1 GiB; compiling against vmlinux.h needs about 150 MiB resident).</summary>
    public const long MemoryLimitBytes = 1L << 30;

    /// <summary>Wall-clock and CPU time one compile may take.</summary>
    public static readonly TimeSpan TimeLimit = TimeSpan.FromSeconds(30);

    private const int MaxOutputChars = 256 * 1024;

    private ClangCompiler(string path) => Path = path;

    /// <summary>The compiler's absolute path.</summary>
    public string Path { get; }

    /// <summary>The first of <see cref="Names"/> found in the directories of <paramref name="searchPath"/> (PATH).</summary>
    public static ClangCompiler Find(string? searchPath)
    {
        var directories = (searchPath ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries).Where(System.IO.Path.IsPathRooted).ToList();
        foreach (var name in Names)
        {
            foreach (var directory in directories)
            {
                var candidate = System.IO.Path.Combine(directory, name);
                if (File.Exists(candidate) && (File.GetUnixFileMode(candidate) & (UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute)) != 0)
                {
                    return new ClangCompiler(candidate);
                }
            }
        }
        throw new BpfException("CompilerNotFound", $"Compiling a C source needs clang with the BPF target, and none of {string.Join(", ", Names)} is on PATH. Install one (Debian/Ubuntu: apt-get install clang; Fedora/RHEL: dnf install clang), or install the compiled .bpf.o instead.");
    }

    public sealed record Outcome(int ExitCode, string Messages, bool TimedOut);

    /// <summary>Runs the compiler in <paramref name="workDirectory"/> with <paramref name="arguments"/> (limits: the defaults above unless given).</summary>
    public Outcome Run(string workDirectory, IEnumerable<string> arguments, CancellationToken cancellation, long memoryLimitBytes = MemoryLimitBytes, TimeSpan? timeLimit = null)
    {
        var time = timeLimit ?? TimeLimit;
        var start = new ProcessStartInfo("/bin/sh")
        {
            WorkingDirectory = workDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        start.Environment.Clear();
        start.Environment["PATH"] = "/usr/bin:/bin";
        start.Environment["LC_ALL"] = "C";
        // $0 and "$@" pass the compiler and its arguments through untouched: nothing is parsed by the shell.
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add($"ulimit -v {memoryLimitBytes / 1024} && ulimit -t {(int)Math.Ceiling(time.TotalSeconds)} && exec \"$0\" \"$@\"");
        start.ArgumentList.Add(Path);
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new BpfException("CompilerNotFound", $"'{Path}' could not be started.");
        process.StandardInput.Close();
        var stderr = ReadCapped(process.StandardError);
        var stdout = ReadCapped(process.StandardOutput);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        deadline.CancelAfter(time);
        bool timedOut = false;
        try
        {
            process.WaitForExitAsync(deadline.Token).GetAwaiter().GetResult();
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
            cancellation.ThrowIfCancellationRequested();
            timedOut = true;
        }
        return new Outcome(process.ExitCode, stderr.GetAwaiter().GetResult() + stdout.GetAwaiter().GetResult(), timedOut);
    }

    /// <summary>Reads a stream to its end, keeping at most <see cref="MaxOutputChars"/> characters.</summary>
    private static async Task<string> ReadCapped(StreamReader reader)
    {
        var text = new StringBuilder();
        var buffer = new char[8192];
        int n;
        while ((n = await reader.ReadAsync(buffer).ConfigureAwait(false)) > 0)
        {
            if (text.Length < MaxOutputChars)
            {
                text.Append(buffer, 0, Math.Min(n, MaxOutputChars - text.Length));
            }
        }
        return text.ToString();
    }
}
