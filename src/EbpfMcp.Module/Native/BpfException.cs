// SPDX-License-Identifier: GPL-2.0
namespace EbpfMcp.Native;

/// <summary>
/// A failed kernel or libbpf operation: what was attempted, the errno, and what libbpf and the
/// verifier said. Cmdlets turn it into an ErrorRecord whose id is <see cref="ErrorId"/>.
/// </summary>
public sealed class BpfException : Exception
{
    public BpfException(string errorId, string message, int errno = 0, string? libbpfLog = null, string? verifierLog = null, Exception? inner = null)
        : base(message, inner)
    {
        ErrorId = errorId;
        Errno = Math.Abs(errno);
        LibbpfLog = string.IsNullOrWhiteSpace(libbpfLog) ? null : libbpfLog.Trim();
        VerifierLog = string.IsNullOrWhiteSpace(verifierLog) ? null : verifierLog.Trim();
    }

    /// <summary>Stable identifier, e.g. "VerifierRejected".</summary>
    public string ErrorId { get; }

    /// <summary>Positive errno, 0 when not an errno failure.</summary>
    public int Errno { get; }

    public string? ErrnoName => Errno == 0 ? null : ErrnoNames.Name(Errno);

    /// <summary>What libbpf printed while the operation ran.</summary>
    public string? LibbpfLog { get; }

    /// <summary>The useful end of the kernel verifier's log, for rejected programs.</summary>
    public string? VerifierLog { get; }

    /// <summary>An errno failure of a named operation: "bpf_obj_get_info_by_fd: EPERM (Operation not permitted)".</summary>
    public static BpfException FromErrno(string operation, int errno, string errorId = "KernelCallFailed", string? libbpfLog = null) =>
        new(errorId, $"{operation} failed: {ErrnoNames.Name(errno)} ({ErrnoNames.Describe(errno)})", errno, libbpfLog);
}
