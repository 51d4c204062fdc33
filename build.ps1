#!/usr/bin/env pwsh
<#
.SYNOPSIS
Builds the EbpfMcp module into out/EbpfMcp (importable with Import-Module) and the MCP bridge;
with -Package, also writes their packages to out/packages.
.DESCRIPTION
-Package writes two NuGet packages:
  EbpfMcp.<version>.nupkg   the PowerShell module for a PSResourceGet repository (PowerShell Gallery
                            or a folder): manifest, assembly, format views, help, bpf/*.bpf.o and
                            the example object. Made by Compress-PSResource after Test-ModuleManifest.
  ebpf-mcp.<version>.nupkg  the MCP bridge as a dotnet tool, with the module folder it serves.
.EXAMPLE
./build.ps1; Import-Module ./out/EbpfMcp/EbpfMcp.psd1; Get-BpfKernelInfo
.EXAMPLE
./build.ps1 -Package; Register-PSResourceRepository -Name ebpf-local -Uri ./out/packages -Trusted; Install-PSResource EbpfMcp -Repository ebpf-local
#>
[CmdletBinding()]
param(
    [ValidateSet('Debug', 'Release')][string]$Configuration = 'Release',
    # Also write the module and tool packages.
    [switch]$Package,
    # Where -Package writes them.
    [string]$PackagePath = "$PSScriptRoot/out/packages"
)
$ErrorActionPreference = 'Stop'
dotnet build "$PSScriptRoot/src/EbpfMcp.Module/EbpfMcp.Module.csproj" -c $Configuration --nologo
if ($LASTEXITCODE) { throw "dotnet build failed ($LASTEXITCODE)" }
dotnet build "$PSScriptRoot/src/EbpfMcp.Bridge/EbpfMcp.Bridge.csproj" -c $Configuration --nologo
if ($LASTEXITCODE) { throw "dotnet build failed ($LASTEXITCODE)" }
$module = "$PSScriptRoot/out/EbpfMcp"
Write-Host "Module: $module/EbpfMcp.psd1"
if ($Package) {
    $null = New-Item -ItemType Directory -Force -Path $PackagePath
    $manifest = Test-ModuleManifest -Path "$module/EbpfMcp.psd1"
    Compress-PSResource -Path $module -DestinationPath $PackagePath
    dotnet pack "$PSScriptRoot/src/EbpfMcp.Bridge/EbpfMcp.Bridge.csproj" -c $Configuration --no-build --nologo -o $PackagePath
    if ($LASTEXITCODE) { throw "dotnet pack failed ($LASTEXITCODE)" }
    Write-Host "Module package: $(Join-Path $PackagePath "EbpfMcp.$($manifest.Version).nupkg")"
    Write-Host "Tool package:   $(Join-Path $PackagePath "ebpf-mcp.$($manifest.Version).nupkg")"
}
