@{
    RootModule        = 'EbpfMcpScriptTest.psm1'
    ModuleVersion     = '1.0.0'
    GUID              = '5b7f2f4e-3c1a-4d8e-9a57-2e6c1f0b9d43'
    Description       = 'Test-only script module for the bridge tests.'
    PowerShellVersion = '7.4'
    FunctionsToExport = @('Get-BpfScriptSum', 'Get-BpfScriptPlain')
}
