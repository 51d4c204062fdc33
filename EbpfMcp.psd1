@{
    RootModule           = 'EbpfMcp.dll'
    ModuleVersion        = '0.1.0'
    GUID                 = '5f0b7c1e-3f55-4f5e-9a43-2b6f3cbb6e21'
    Author               = 'ebpf-mcp contributors'
    CompanyName          = 'ebpf-mcp'
    Copyright            = '(c) ebpf-mcp contributors. Apache-2.0; kernel-side code GPL-2.0.'
    Description          = 'Kernel-level observability on Linux through eBPF: loaded programs and their hooks, maps and their contents, safe program installation, and bounded tracers.'
    PowerShellVersion    = '7.4'
    CompatiblePSEditions = @('Core')
    FormatsToProcess     = @('EbpfMcp.format.ps1xml')
    TypesToProcess       = @('EbpfMcp.types.ps1xml')
    CmdletsToExport      = @(
        'Get-BpfKernelInfo'
        'Get-BpfHook'
        'Get-BpfMap'
        'Get-BpfFeature'
        'Get-BpfInstallation'
        'Install-BpfProgram'
        'Uninstall-BpfProgram'
        'Trace-BpfSyscallError'
        'Trace-BpfExec'
        'Trace-BpfFileOpen'
        'Trace-BpfTcpState'
        'Measure-BpfCpuProfile'
        'Measure-BpfOffCpuTime'
        'Measure-BpfRunQueueLatency'
        'Measure-BpfBlockIoLatency'
        'Measure-BpfSyscallLatency'
        'Trace-BpfSignal'
        'Trace-BpfProcessExit'
        'Trace-BpfTcpRetransmit'
        'Get-BpfTrace'
        'Receive-BpfTrace'
        'Stop-BpfTrace'
    )
    FunctionsToExport    = @()
    VariablesToExport    = @()
    AliasesToExport      = @()
    PrivateData          = @{
        PSData = @{
            Tags         = @('eBPF', 'BPF', 'Linux', 'kernel', 'observability', 'tracing', 'MCP', 'PSEdition_Core')
            LicenseUri   = 'https://www.apache.org/licenses/LICENSE-2.0'
            ProjectUri   = 'https://github.com/ebpf-mcp/ebpf-mcp'
            ReleaseNotes = '0.1.0: Get-BpfKernelInfo, Get-BpfHook, Get-BpfMap (-Dump decodes entries through BTF), Get-BpfFeature, Install-/Uninstall-BpfProgram (CO-RE objects, nothing pinned unless asked), Trace-BpfSyscallError, Trace-BpfExec, Trace-BpfFileOpen, Trace-BpfTcpState; argument completion for program, map and installation ids, names, program types, errno and syscall names. Needs Linux 5.8+ with BTF, libbpf 1.x, and root (or CAP_BPF + CAP_PERFMON).'
        }
    }
}
