#!/usr/bin/env pwsh
<#
.SYNOPSIS
Builds the EbpfMcp module into out/EbpfMcp (importable with Import-Module) and the MCP bridge.
.EXAMPLE
./build.ps1; Import-Module ./out/EbpfMcp/EbpfMcp.psd1; Get-BpfKernelInfo
#>
[CmdletBinding()]
param([ValidateSet('Debug', 'Release')][string]$Configuration = 'Release')
$ErrorActionPreference = 'Stop'
dotnet build "$PSScriptRoot/src/EbpfMcp.Module/EbpfMcp.Module.csproj" -c $Configuration --nologo
if ($LASTEXITCODE) { throw "dotnet build failed ($LASTEXITCODE)" }
dotnet build "$PSScriptRoot/src/EbpfMcp.Bridge/EbpfMcp.Bridge.csproj" -c $Configuration --nologo
if ($LASTEXITCODE) { throw "dotnet build failed ($LASTEXITCODE)" }
Write-Host "Module: $PSScriptRoot/out/EbpfMcp/EbpfMcp.psd1"
