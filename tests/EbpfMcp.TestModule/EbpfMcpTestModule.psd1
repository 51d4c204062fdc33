@{
    RootModule        = 'EbpfMcpTestModule.dll'
    ModuleVersion     = '1.0.0'
    GUID              = '0c8e3f0e-55a7-4d0b-9b6f-7d1f8a2c9e11'
    Description       = 'Test-only module for the bridge tests.'
    PowerShellVersion = '7.4'
    CmdletsToExport   = @('Get-BpfTestEcho', 'Get-BpfTestRun', 'Measure-BpfTestWait')
}
