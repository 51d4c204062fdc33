using System.Management.Automation;
using EbpfMcp.Kernel.Host;
using EbpfMcp.Model;

namespace EbpfMcp.Commands;

/// <summary>Get-BpfKernelInfo: the kernel's eBPF-relevant facts and this process's privileges.</summary>
[Cmdlet(VerbsCommon.Get, "BpfKernelInfo")]
[OutputType(typeof(BpfKernelInfo))]
public sealed class GetBpfKernelInfoCommand : BpfCmdlet
{
    protected override void ProcessRecord() => WriteObject(KernelInfoReader.Read());
}
