# Shared by tests/Pester/*.Tests.ps1: where things are, what the kernel has loaded (from bpftool,
# the test-only cross-check), child pwsh processes, and workloads whose effects are known.
Set-StrictMode -Version Latest

$script:RepoRoot = (Resolve-Path "$PSScriptRoot/../..").Path

<#
.SYNOPSIS
Paths the tests use: the repository, the module as users load it (out/EbpfMcp), the example
object, and the pwsh that runs the tests (for child processes).
#>
function Get-TestEnvironment {
    $pwsh = [System.IO.Path]::Combine($script:RepoRoot, '.tools', 'pwsh')
    if (-not (Test-Path $pwsh)) { $pwsh = (Get-Command pwsh -CommandType Application | Select-Object -First 1).Source }
    [pscustomobject]@{
        RepoRoot       = $script:RepoRoot
        ModuleFolder   = "$script:RepoRoot/out/EbpfMcp"
        ModuleManifest = "$script:RepoRoot/out/EbpfMcp/EbpfMcp.psd1"
        ExampleObject  = "$script:RepoRoot/examples/counter.bpf.o"
        Pwsh           = $pwsh
    }
}

<# .SYNOPSIS The programs the kernel has loaded, as bpftool reports them. #>
function Get-KernelProgram {
    $json = bpftool -j prog show
    if ($LASTEXITCODE) { throw "bpftool prog show failed ($LASTEXITCODE)" }
    @($json | ConvertFrom-Json)
}

<# .SYNOPSIS The maps the kernel has, as bpftool reports them. #>
function Get-KernelMap {
    $json = bpftool -j map show
    if ($LASTEXITCODE) { throw "bpftool map show failed ($LASTEXITCODE)" }
    @($json | ConvertFrom-Json)
}

function Get-BpffsPin {
    Get-Content /proc/self/mounts | ForEach-Object { $f = $_ -split ' '; if ($f[2] -eq 'bpf') { $f[1] } } |
        ForEach-Object { Get-ChildItem -LiteralPath $_ -Recurse -Force -ErrorAction SilentlyContinue } |
        ForEach-Object FullName
}

<# .SYNOPSIS What is loaded and pinned now, to compare with later (Get-BpfLeftover). #>
function New-BpfSnapshot {
    [pscustomobject]@{
        ProgramIds = @(Get-KernelProgram | ForEach-Object id)
        Pins       = @(Get-BpffsPin)
    }
}

<#
.SYNOPSIS
Programs loaded and pins made since the snapshot, after giving the kernel up to -TimeoutSeconds to
free what was released (program memory is freed after an RCU grace period). Empty when clean.
Another developer's tests running at the same moment can show up here too: their names say so.
#>
function Get-BpfLeftover {
    param([Parameter(Mandatory)]$Snapshot, [double]$TimeoutSeconds = 5)
    $clean = Wait-Until -TimeoutSeconds $TimeoutSeconds -IntervalMilliseconds 200 {
        $script:newPrograms = @(Get-KernelProgram | Where-Object { $_.id -notin $Snapshot.ProgramIds })
        $script:newPins = @(Get-BpffsPin | Where-Object { $_ -notin $Snapshot.Pins })
        $script:newPrograms.Count -eq 0 -and $script:newPins.Count -eq 0
    }
    if ($clean) { return @() }
    @($script:newPrograms | ForEach-Object { "program $($_.id) $($_.type) $($_.name)" }) + @($script:newPins | ForEach-Object { "pin $_" })
}

<#
.SYNOPSIS
Runs pwsh in a new process (as a user would: -NoProfile, no module imported unless the command
does) and returns ExitCode, Output and Errors (text). -Interactive leaves out -NonInteractive, so
prompts read their answers from -InputText.
#>
function Invoke-Pwsh {
    param(
        [Parameter(Mandatory)][string]$Command,
        [string]$WorkingDirectory = $script:RepoRoot,
        [hashtable]$Environment = @{},
        [string[]]$RemoveEnvironment = @(),
        [string]$InputText,
        [switch]$Interactive,
        [int]$TimeoutSeconds = 180,
        [string[]]$Prefix = @()
    )
    $pwsh = (Get-TestEnvironment).Pwsh
    $file = $Prefix.Count ? $Prefix[0] : $pwsh
    $psi = [System.Diagnostics.ProcessStartInfo]::new($file)
    foreach ($a in @($Prefix | Select-Object -Skip 1) + ($Prefix.Count ? @($pwsh) : @())) { $psi.ArgumentList.Add($a) }
    foreach ($a in @('-NoProfile', '-NoLogo') + ($Interactive ? @() : @('-NonInteractive')) + @('-Command', $Command)) { $psi.ArgumentList.Add($a) }
    $psi.WorkingDirectory = $WorkingDirectory
    $psi.RedirectStandardOutput = $true
    $psi.RedirectStandardError = $true
    $psi.RedirectStandardInput = $true
    $psi.UseShellExecute = $false
    foreach ($name in $RemoveEnvironment) { $null = $psi.Environment.Remove($name) }
    foreach ($k in $Environment.Keys) { $psi.Environment[$k] = [string]$Environment[$k] }
    # Plain text: no colour escapes in what the tests read.
    $psi.Environment['NO_COLOR'] = '1'
    $p = [System.Diagnostics.Process]::Start($psi)
    $out = $p.StandardOutput.ReadToEndAsync()
    $err = $p.StandardError.ReadToEndAsync()
    if ($InputText) { $p.StandardInput.Write($InputText) }
    $p.StandardInput.Close()
    if (-not $p.WaitForExit($TimeoutSeconds * 1000)) {
        $p.Kill($true)
        throw "pwsh did not finish within $TimeoutSeconds s: $Command"
    }
    $p.WaitForExit()
    [pscustomobject]@{ ExitCode = $p.ExitCode; Output = $out.Result; Errors = $err.Result }
}

<#
.SYNOPSIS
Starts python3 running -Code after -DelaySeconds (so a trace started meanwhile sees it all); the
process's name is python3. Returns the Process.
#>
function Start-Workload {
    param([Parameter(Mandatory)][string]$Code, [double]$DelaySeconds = 0)
    $script = "import time, os, sys`ntime.sleep($DelaySeconds)`n$Code"
    # The distribution's python3 itself: a version manager's shim (pyenv) would run shell scripts
    # in the same process first, whose own failing syscalls would count.
    $python = (Test-Path /usr/bin/python3) ? '/usr/bin/python3' : 'python3'
    $psi = [System.Diagnostics.ProcessStartInfo]::new($python)
    $psi.ArgumentList.Add('-c'); $psi.ArgumentList.Add($script)
    $psi.UseShellExecute = $false
    $psi.RedirectStandardOutput = $true
    [System.Diagnostics.Process]::Start($psi)
}

<#
.SYNOPSIS
Polls -Condition every -IntervalMilliseconds until it is true or -TimeoutSeconds have passed;
returns whether it became true.
#>
function Wait-Until {
    param([Parameter(Mandatory)][scriptblock]$Condition, [double]$TimeoutSeconds = 10, [int]$IntervalMilliseconds = 100)
    $deadline = [DateTime]::UtcNow.AddSeconds($TimeoutSeconds)
    while (-not (& $Condition)) {
        if ([DateTime]::UtcNow -ge $deadline) { return $false }
        Start-Sleep -Milliseconds $IntervalMilliseconds
    }
    $true
}

<# .SYNOPSIS Whether something accepts TCP connections on the address and port. #>
function Test-TcpPort([string]$Address, [int]$Port) {
    Test-Connection -TargetName $Address -TcpPort $Port -Quiet -TimeoutSeconds 1
}

<#
.SYNOPSIS
A pwsh -Command text that runs a script file the way a user types it at the prompt: after -Prelude,
statement by statement, each one's output formatted on its own; it exits 1 (listing them) when
any error was written, 2 on a terminating error.
#>
function Get-PromptSessionCommand {
    param([Parameter(Mandatory)][string]$File, [string]$Prelude = '')
    "`$ErrorActionPreference = 'Continue'; $Prelude; `$Error.Clear()
    `$statements = [System.Management.Automation.Language.Parser]::ParseFile('$File', [ref]`$null, [ref]`$null).EndBlock.Statements
    try { foreach (`$s in `$statements) { . ([scriptblock]::Create(`$s.Extent.Text)) | Out-String -Width 250 } }
    catch { 'TERMINATING ERROR: ' + `$_.FullyQualifiedErrorId + ': ' + `$_; exit 2 }
    if (`$Error.Count) { `$Error | ForEach-Object { 'ERROR: ' + `$_.FullyQualifiedErrorId + ': ' + `$_ }; exit 1 }"
}

<# .SYNOPSIS A new empty directory under the system temp folder. #>
function New-TestDirectory {
    param([string]$Name = 'pester')
    $dir = Join-Path ([System.IO.Path]::GetTempPath()) "ebpf-mcp-$Name-$([guid]::NewGuid().ToString('n').Substring(0, 8))"
    (New-Item -ItemType Directory -Path $dir).FullName
}

<#
.SYNOPSIS
The fenced code blocks of a markdown file's section (## or ### heading), in order, as objects
with Language and Code.
#>
function Get-MarkdownCodeBlock {
    param([Parameter(Mandatory)][string]$Path, [Parameter(Mandatory)][string]$Heading)
    $lines = Get-Content -LiteralPath $Path
    $start = [array]::IndexOf($lines, $Heading)
    if ($start -lt 0) { throw "No heading '$Heading' in $Path" }
    $level = ($Heading -split ' ')[0]
    $blocks = @(); $inBlock = $false; $code = $null; $language = $null
    foreach ($line in $lines[($start + 1)..($lines.Count - 1)]) {
        if (-not $inBlock -and $line -match '^(#+) ' -and $Matches[1].Length -le $level.Length) { break }
        if (-not $inBlock -and $line -match '^```(\w*)$') { $inBlock = $true; $language = $Matches[1]; $code = [System.Collections.Generic.List[string]]::new(); continue }
        if ($inBlock -and $line -eq '```') { $inBlock = $false; $blocks += [pscustomobject]@{ Language = $language; Code = $code -join "`n" }; continue }
        if ($inBlock) { $code.Add($line) }
    }
    $blocks
}

<# .SYNOPSIS A TCP port on 127.0.0.1 that nothing listens on now. #>
function Get-FreeTcpPort {
    $listener = [System.Net.Sockets.TcpListener]::new([System.Net.IPAddress]::Loopback, 0)
    $listener.Start()
    try { $listener.LocalEndpoint.Port } finally { $listener.Stop() }
}

Export-ModuleMember -Function *
