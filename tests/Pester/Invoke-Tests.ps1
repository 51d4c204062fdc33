#!/usr/bin/env pwsh
<#
.SYNOPSIS
Runs tests/Pester/*.Tests.ps1 with Pester in this pwsh, against the module in out/EbpfMcp, as root on
the real kernel. run-tests calls it with pwsh 7.6.9 from .tools and Pester 6.2.0 from NuGet.
.DESCRIPTION
Ends with one line for run-tests: "pester: N passed, N failed, N skipped". Exits 1 when any test,
block or file failed. Test results (NUnit XML) go to out/test-results/pester.xml.
#>
[CmdletBinding()]
param(
    # Pester.psd1 of Pester 6.2.0 (run-tests finds it in the NuGet global packages folder).
    [Parameter(Mandatory)][string]$PesterManifest,
    # Test files or folders; all of tests/Pester by default.
    [string[]]$Path = @($PSScriptRoot),
    # Only tests whose full name matches one of these wildcard patterns.
    [string[]]$FullNameFilter
)
$ErrorActionPreference = 'Stop'
Import-Module $PesterManifest
$repo = (Resolve-Path "$PSScriptRoot/../..").Path
$config = New-PesterConfiguration
# pwsh -File passes "a,b" as one string.
$config.Run.Path = @($Path -split ",")
$config.Run.PassThru = $true
$config.Output.Verbosity = 'Detailed'
# CI logs are files: no colour escapes there.
if ($env:CI -or [Console]::IsOutputRedirected) { $config.Output.RenderMode = 'Plaintext'; $PSStyle.OutputRendering = 'PlainText' }
$config.TestResult.Enabled = $true
$config.TestResult.OutputFormat = 'NUnitXml'
$config.TestResult.OutputPath = "$repo/out/test-results/pester.xml"
if ($FullNameFilter) { $config.Filter.FullName = $FullNameFilter }
$null = New-Item -ItemType Directory -Force -Path "$repo/out/test-results"
$result = Invoke-Pester -Configuration $config
$failed = $result.FailedCount + $result.FailedBlocksCount + $result.FailedContainersCount
"pester: $($result.PassedCount) passed, $failed failed, $($result.SkippedCount) skipped"
exit ($failed -gt 0 -or $result.Result -ne 'Passed') ? 1 : 0
