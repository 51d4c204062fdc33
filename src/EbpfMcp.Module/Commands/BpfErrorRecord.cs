using System.Management.Automation;
using EbpfMcp.Native;

namespace EbpfMcp.Commands;

/// <summary>ErrorRecords for eBPF failures: id from the exception, category from what went wrong.</summary>
public static class BpfErrorRecord
{
    private static readonly Dictionary<string, ErrorCategory> Categories = new(StringComparer.Ordinal)
    {
        ["ObjectFileNotFound"] = ErrorCategory.ObjectNotFound,
        ["PathIsDirectory"] = ErrorCategory.InvalidArgument,
        ["EmptyObjectFile"] = ErrorCategory.InvalidData,
        ["NotElf"] = ErrorCategory.InvalidData,
        ["NotBpfElf"] = ErrorCategory.InvalidData,
        ["TruncatedObject"] = ErrorCategory.InvalidData,
        ["InvalidBpfObject"] = ErrorCategory.InvalidData,
        ["MissingBtf"] = ErrorCategory.InvalidData,
        ["CoreRelocationFailed"] = ErrorCategory.NotImplemented,
        ["VerifierRejected"] = ErrorCategory.InvalidData,
        ["ProgramTypeUnsupported"] = ErrorCategory.NotEnabled,
        ["AttachTargetNotFound"] = ErrorCategory.ObjectNotFound,
        ["AttachTargetRequired"] = ErrorCategory.InvalidArgument,
        ["AttachFailed"] = ErrorCategory.InvalidOperation,
        ["InterfaceNotFound"] = ErrorCategory.ObjectNotFound,
        ["CgroupNotFound"] = ErrorCategory.ObjectNotFound,
        ["PermissionDenied"] = ErrorCategory.PermissionDenied,
        ["Sha256Mismatch"] = ErrorCategory.SecurityError,
        ["PinPathNotOnBpffs"] = ErrorCategory.InvalidArgument,
        ["PinFailed"] = ErrorCategory.WriteError,
        ["ProgramNotFound"] = ErrorCategory.ObjectNotFound,
        ["MapNotFound"] = ErrorCategory.ObjectNotFound,
        ["MapNotDumpable"] = ErrorCategory.InvalidOperation,
        ["InstallationNotFound"] = ErrorCategory.ObjectNotFound,
        ["NotInstalledByModule"] = ErrorCategory.PermissionDenied,
        ["LoadFailed"] = ErrorCategory.InvalidOperation,
        ["InsecureUri"] = ErrorCategory.SecurityError,
        ["RedirectRefused"] = ErrorCategory.SecurityError,
        ["TooManyRedirects"] = ErrorCategory.ConnectionError,
        ["DownloadFailed"] = ErrorCategory.ConnectionError,
        ["DownloadTooLarge"] = ErrorCategory.LimitsExceeded,
        ["NotOwner"] = ErrorCategory.PermissionDenied,
        ["PolicyDenied"] = ErrorCategory.PermissionDenied,
        ["InvalidAllowedSource"] = ErrorCategory.InvalidArgument,
        ["NotRegularFile"] = ErrorCategory.InvalidArgument,
        ["ObjectTooLarge"] = ErrorCategory.LimitsExceeded,
        ["SourceChanged"] = ErrorCategory.SecurityError,
        ["OpenFailed"] = ErrorCategory.ReadError,
        ["BinaryNotFound"] = ErrorCategory.ObjectNotFound,
        ["DownloadTimedOut"] = ErrorCategory.OperationTimeout,
        ["QuotaExceeded"] = ErrorCategory.QuotaExceeded,
        ["PinPathUnsafe"] = ErrorCategory.SecurityError,
        ["CompilerNotFound"] = ErrorCategory.NotInstalled,
    };

    public static ErrorRecord From(BpfException e, object? target)
    {
        var category = Categories.TryGetValue(e.ErrorId, out var c) ? c
            : e.Errno is 1 or 13 ? ErrorCategory.PermissionDenied
            : e.Errno == 2 ? ErrorCategory.ObjectNotFound
            : ErrorCategory.NotSpecified;
        var record = new ErrorRecord(e, e.ErrorId, category, target);
        if (e.VerifierLog is not null)
        {
            // The message stays one line; the log goes where Get-Error and the bridge show details.
            record.ErrorDetails = new ErrorDetails(e.Message) { RecommendedAction = "Read the verifier log (the exception's VerifierLog property): its last lines say which instruction failed and why." };
        }
        return record;
    }
}
