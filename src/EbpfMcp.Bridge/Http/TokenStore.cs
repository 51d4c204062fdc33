using System.Security.Cryptography;
using System.Text;
using EbpfMcp.Bridge.Native;

namespace EbpfMcp.Bridge.Http;

/// <summary>
/// The HTTP bearer token: from --token-file, else EBPF_MCP_TOKEN (trimmed, at least 16
/// characters), else generated at start and written, once the port is ours, to a file only the
/// owner can read in a directory only the owner can write, whose path is logged.
/// </summary>
public static class TokenStore
{
    public const int MinimumLength = 16;

    // A class, not a record: a `with` copy would keep the hash of the value it replaced.
    public sealed class Token(string value, string source, bool generated)
    {
        public string Value { get; } = value;
        public string Source { get; } = source;
        public bool Generated { get; } = generated;

        /// <summary>The token's SHA-256, computed once: each request hashes only what it presents.</summary>
        public byte[] Hash { get; } = SHA256.HashData(Encoding.UTF8.GetBytes(value));

        /// <summary>Whether <paramref name="presented"/> is this token, in constant time: both sides are hashed first, so neither the content nor the length of the real token leaks through timing.</summary>
        public bool IsPresented(string? presented) =>
            presented is not null && CryptographicOperations.FixedTimeEquals(Hash, SHA256.HashData(Encoding.UTF8.GetBytes(presented)));
    }

    /// <exception cref="ArgumentException">The configured token is unusable (the message says why).</exception>
    public static Token Resolve(BridgeOptions options)
    {
        if (options.TokenFile is { } file)
        {
            var text = File.Exists(file) ? File.ReadAllText(file) : throw new ArgumentException($"--token-file '{file}' does not exist.");
            return new Token(Usable(text, $"The token in '{file}'"), file, false);
        }
        if (Environment.GetEnvironmentVariable("EBPF_MCP_TOKEN") is { Length: > 0 } env)
        {
            return new Token(Usable(env, "EBPF_MCP_TOKEN"), "EBPF_MCP_TOKEN", false);
        }
        if (!options.ListensOnLoopback)
        {
            throw new ArgumentException($"Refusing to listen on {options.Listen} (not loopback) with a generated token: give --token-file or EBPF_MCP_TOKEN.");
        }
        return new Token(Convert.ToHexString(RandomNumberGenerator.GetBytes(32)).ToLowerInvariant(), DefaultTokenPath(), true);
    }

    /// <summary>Trimmed first, then measured: padding is not length.</summary>
    private static string Usable(string token, string what)
    {
        var trimmed = token.Trim();
        return trimmed.Length >= MinimumLength ? trimmed
            : throw new ArgumentException($"{what} is {trimmed.Length} character(s) long once surrounding white space is removed; at least {MinimumLength} are required.");
    }

    /// <summary>
    /// Writes a generated token. Its directory is created 0700, or must already be a real
    /// directory (not a link) of this user that no one else can write; the file is written beside
    /// the final name and renamed over it, so a link planted as the file is replaced, never followed.
    /// </summary>
    /// <exception cref="IOException">The directory cannot be trusted or written (the message says why).</exception>
    public static void Write(Token token)
    {
        var path = token.Source;
        var directory = Path.GetDirectoryName(path)!;
        if (FileOwnership.Of(directory) is null)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(directory)!);
            Directory.CreateDirectory(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
        var facts = FileOwnership.Of(directory) ?? throw new IOException($"'{directory}' vanished while the token was being written.");
        uint me = FileOwnership.EffectiveUserId();
        if (facts.IsLink || !facts.IsDirectory)
        {
            throw new IOException($"'{directory}' is {(facts.IsLink ? "a symbolic link" : "not a directory")}: refusing to write the token there.");
        }
        if (facts.Owner != me)
        {
            throw new IOException($"'{directory}' belongs to uid {facts.Owner}, not to this user (uid {me}): refusing to write the token there.");
        }
        if ((facts.Mode & (UnixFileMode.GroupWrite | UnixFileMode.OtherWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead)) != 0)
        {
            File.SetUnixFileMode(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
        var temporary = Path.Combine(directory, $".token-{Convert.ToHexString(RandomNumberGenerator.GetBytes(8))}");
        using (var stream = new FileStream(temporary, new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite }))
        {
            stream.Write(Encoding.UTF8.GetBytes(token.Value));
        }
        File.Move(temporary, path, overwrite: true);
    }

    /// <summary>Removes a generated token's file at a clean exit, unless another server has replaced it since.</summary>
    public static void Remove(Token token)
    {
        try
        {
            if (token.Generated && File.Exists(token.Source) && File.ReadAllText(token.Source) == token.Value)
            {
                File.Delete(token.Source);
            }
        }
        catch (IOException)
        {
            // Leaving a dead token behind is harmless.
        }
    }

    private static string DefaultTokenPath()
    {
        if (Environment.GetEnvironmentVariable("XDG_RUNTIME_DIR") is { Length: > 0 } runtime)
        {
            return Path.Combine(runtime, "ebpf-mcp", "token");
        }
        return FileOwnership.EffectiveUserId() == 0
            ? "/run/ebpf-mcp/token"
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".config", "ebpf-mcp", "token");
    }
}
