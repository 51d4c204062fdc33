using System.Security.Cryptography;

namespace EbpfMcp.Bridge.Http;

/// <summary>
/// The HTTP bearer token: from --token-file, else EBPF_MCP_TOKEN, else generated at start and
/// written to a file only the owner can read, whose path is logged.
/// </summary>
public static class TokenStore
{
    public sealed record Token(string Value, string Source, bool Generated);

    public static Token Resolve(BridgeOptions options)
    {
        if (options.TokenFile is { } file)
        {
            var text = File.Exists(file) ? File.ReadAllText(file).Trim() : throw new ArgumentException($"--token-file '{file}' does not exist.");
            return text.Length >= 16 ? new Token(text, file, false) : throw new ArgumentException($"The token in '{file}' is shorter than 16 characters.");
        }
        if (Environment.GetEnvironmentVariable("EBPF_MCP_TOKEN") is { Length: > 0 } env)
        {
            return env.Length >= 16 ? new Token(env.Trim(), "EBPF_MCP_TOKEN", false) : throw new ArgumentException("EBPF_MCP_TOKEN is shorter than 16 characters.");
        }
        if (!options.ListensOnLoopback)
        {
            throw new ArgumentException($"Refusing to listen on {options.Listen} (not loopback) with a generated token: give --token-file or EBPF_MCP_TOKEN.");
        }
        var token = Convert.ToHexString(RandomNumberGenerator.GetBytes(32)).ToLowerInvariant();
        var path = DefaultTokenPath();
        Directory.CreateDirectory(Path.GetDirectoryName(path)!, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        File.Delete(path);
        using (var stream = new FileStream(path, new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite }))
        using (var writer = new StreamWriter(stream))
        {
            writer.Write(token);
        }
        return new Token(token, path, true);
    }

    private static string DefaultTokenPath()
    {
        if (Environment.GetEnvironmentVariable("XDG_RUNTIME_DIR") is { Length: > 0 } runtime)
        {
            return Path.Combine(runtime, "ebpf-mcp", "token");
        }
        return Environment.UserName == "root" || Environment.GetEnvironmentVariable("USER") == "root"
            ? "/run/ebpf-mcp/token"
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".config", "ebpf-mcp", "token");
    }

    /// <summary>Constant-time comparison of the presented token.</summary>
    public static bool Matches(string expected, string? presented) =>
        presented is not null && CryptographicOperations.FixedTimeEquals(System.Text.Encoding.UTF8.GetBytes(expected), System.Text.Encoding.UTF8.GetBytes(presented));
}
