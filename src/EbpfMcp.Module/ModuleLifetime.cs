using System.Management.Automation;
using EbpfMcp.Kernel.Installations;

namespace EbpfMcp;

/// <summary>
/// Remove-Module EbpfMcp detaches and unloads everything the module installed in this process, so
/// removing the module leaves nothing of it in the kernel (pins the user asked for are removed too).
/// </summary>
public sealed class ModuleLifetime : IModuleAssemblyCleanup
{
    public void OnRemove(PSModuleInfo psModuleInfo) => InstallationRegistry.RemoveAll();
}
