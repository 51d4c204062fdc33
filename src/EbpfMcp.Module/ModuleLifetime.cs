using System.Management.Automation;
using EbpfMcp.Kernel.Installations;
using EbpfMcp.Kernel.Tracing;

namespace EbpfMcp;

/// <summary>
/// Remove-Module EbpfMcp stops the process's background traces and detaches and unloads everything
/// the module installed, so removing the module leaves nothing of it in the kernel (pins the user
/// asked for are removed too).
/// </summary>
public sealed class ModuleLifetime : IModuleAssemblyCleanup
{
    public void OnRemove(PSModuleInfo psModuleInfo)
    {
        TraceRegistry.StopAll();
        InstallationRegistry.RemoveAll();
    }
}
