using EbpfMcp.Kernel.Loading;
using EbpfMcp.Native;

namespace EbpfMcp.Kernel.Compiling;

/// <summary>
/// A C source and the headers of its own that it includes, all read once into memory: the source
/// from the bytes Install-BpfProgram read (file or download), each "quoted" header from beside it
/// the way the object file is read (real path checked against the source policy, opened without
/// following links, regular files within the size cap). The compiler later sees copies of exactly
/// these bytes, so nothing can be swapped in between the checks and the compile.
/// </summary>
internal sealed class CSource
{
    /// <summary>Most headers one source may bring; more is refused.</summary>
    public const int MaxHeaders = 64;

    private CSource(string fileName, byte[] bytes, IReadOnlyDictionary<string, byte[]> headers)
    {
        FileName = fileName;
        Bytes = bytes;
        Headers = headers;
    }

    /// <summary>The name the source compiles under (a plain file name ending in .c).</summary>
    public string FileName { get; }
    public byte[] Bytes { get; }
    /// <summary>The source's own headers by their path relative to the source's directory.</summary>
    public IReadOnlyDictionary<string, byte[]> Headers { get; }

    public static bool IsCSource(string name) => name.EndsWith(".c", StringComparison.Ordinal);

    /// <param name="name">The source's file name (from its path or URL).</param>
    /// <param name="directory">The real directory of a source file, where its "quoted" headers are looked for; null for a download.</param>
    public static CSource Gather(string name, byte[] bytes, string? directory, SourcePolicy policy, long maxBytes)
    {
        var fileName = System.Text.RegularExpressions.Regex.IsMatch(name, @"^[A-Za-z0-9_+-][A-Za-z0-9_.+-]*\.c$") ? name : "source.bpf.c";
        var headers = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        long total = bytes.Length;
        var pending = new Queue<(string Relative, string Includer, byte[] Text)>();
        pending.Enqueue(("", name, bytes));
        while (pending.TryDequeue(out var file))
        {
            foreach (var include in IncludeScanner.Scan(file.Text, file.Includer))
            {
                // "x.h" is looked for beside the including file first, as the preprocessor does;
                // a name found there is copied, anything else is left to the module's include directory.
                var relative = include.Quoted ? Path.Combine(Path.GetDirectoryName(file.Relative) ?? "", include.Name) : null;
                if (relative is null || directory is null || headers.ContainsKey(relative))
                {
                    continue;
                }
                var path = Path.Combine(directory, relative);
                if (LibCFiles.StatNoFollow(path, out _) is null)
                {
                    continue;
                }
                if (headers.Count == MaxHeaders)
                {
                    throw new BpfException("PolicyDenied", $"'{name}' includes more than {MaxHeaders} headers of its own; nothing was compiled.");
                }
                var header = ObjectFile.Read(path, policy, maxBytes);
                total += header.Bytes.Length;
                if (total > maxBytes)
                {
                    throw new BpfException("ObjectTooLarge", $"'{name}' and its headers are more than {maxBytes} bytes (-MaxObjectBytes); nothing was compiled.");
                }
                headers[relative] = header.Bytes;
                pending.Enqueue((relative, path, header.Bytes));
            }
        }
        return new CSource(fileName, bytes, headers);
    }
}
