namespace EbpfMcp.Bridge.Fleet;

/// <summary>
/// The ssh that PowerShell remoting starts from this bridge: a shell script first on PATH that runs
/// the ssh PATH named before (same arguments, so the user's ssh configuration holds) and, once it has
/// ended, closes its output and reads its input until PowerShell closes it.
/// Why: when ssh ends before PowerShell has written the session's first data to it (a refused
/// port ends it within milliseconds), PowerShell 7.6's SSH client flushes that data on one of its
/// own threads while closing, gets EPIPE, and the unhandled IOException ends the whole bridge.
/// With the input kept open the flush succeeds; the closed output still tells PowerShell the
/// session has ended.
/// </summary>
internal static class SshShim
{
    /// <summary>Whether the script is on PATH; false when PATH had no ssh (remoting then says so).</summary>
    private static readonly Lazy<bool> Installed = new(Install, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>
    /// Puts the script first on this process's PATH, once. Its directory is one per user and script,
    /// kept for the next bridge (a killed bridge leaves nothing new).
    /// </summary>
    public static void EnsureInstalled() => _ = Installed.Value;

    private static bool Install()
    {
        var path = Environment.GetEnvironmentVariable("PATH") ?? "";
        var ssh = path.Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, "ssh"))
            .FirstOrDefault(file => File.Exists(file) && (File.GetUnixFileMode(file) & UnixFileMode.UserExecute) != 0);
        if (ssh is null)
        {
            return false;
        }
        var text = $"""
            #!/bin/sh
            # ebpf-mcp: ssh for PowerShell remoting (src/EbpfMcp.Bridge/Fleet/SshShim.cs says why).
            {Quote(Path.GetFullPath(ssh))} "$@"
            status=$?
            exec >&- 2>&-
            cat >/dev/null
            exit $status

            """;
        var directory = PrivateDirectory(text);
        var script = Path.Combine(directory, "ssh");
        if (!File.Exists(script) || File.ReadAllText(script) != text)
        {
            var next = Path.Combine(directory, $"ssh.{Environment.ProcessId}");
            File.WriteAllText(next, text);
            File.SetUnixFileMode(next, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            File.Move(next, script, overwrite: true);
        }
        Environment.SetEnvironmentVariable("PATH", $"{directory}:{path}");
        return true;
    }

    /// <summary>
    /// The user's directory for this script, made 0700 if missing and trusted only when it is a real
    /// directory of this user that nobody else may write to; otherwise a fresh one.
    /// </summary>
    private static string PrivateDirectory(string text)
    {
        var key = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(text)))[..16];
        var user = Native.FileOwnership.EffectiveUserId();
        var directory = Path.Combine(Path.GetTempPath(), $"ebpf-mcp-ssh-{user}-{key}");
        Directory.CreateDirectory(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var facts = Native.FileOwnership.Of(directory);
        var othersMayWrite = UnixFileMode.GroupWrite | UnixFileMode.OtherWrite;
        return facts is { IsDirectory: true, IsLink: false } && facts.Owner == user && (facts.Mode & othersMayWrite) == 0
            ? directory
            : Directory.CreateTempSubdirectory("ebpf-mcp-ssh-").FullName;
    }

    private static string Quote(string s) => "'" + s.Replace("'", "'\\''") + "'";
}
