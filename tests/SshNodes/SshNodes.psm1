# Two SSH "nodes" on this machine for fleet tests, shared by tests/Pester (Fleet.Tests.ps1) and xUnit
# (the bridge's fleet tests run it with pwsh from .tools): a private sshd on a free port of
# 127.0.0.1 and 127.0.0.2 with its own host key, key authentication only and the powershell
# subsystem, and an ssh configuration that sends node1 to 127.0.0.1 and node2 to 127.0.0.2.
Set-StrictMode -Version Latest
Import-Module "$PSScriptRoot/../Pester/TestHelpers.psm1"   # Get-FreeTcpPort, Test-TcpPort

<#
.SYNOPSIS
Starts the nodes' sshd in -Directory (made if missing) and returns what a client needs: Port, Bin
(a directory to put first on PATH: its ssh uses this configuration), SshConfig, Nodes (node1,
node2), Unreachable (node3: a name the configuration sends to 127.0.0.3, where nothing listens),
Pid (the sshd's; it outlives this pwsh) and Log (its log file). Stop it with Stop-SshNodes.
.PARAMETER Pwsh
The pwsh the powershell subsystem runs on the nodes.
.PARAMETER ModulePath
PSModulePath of the nodes' sessions: they find the EbpfMcp module there as an installed one.
#>
function Start-SshNodes {
    param(
        [Parameter(Mandatory)][string]$Directory,
        [Parameter(Mandatory)][string]$Pwsh,
        [Parameter(Mandatory)][string]$ModulePath
    )
    $work = (New-Item -ItemType Directory -Force -Path $Directory).FullName
    $port = Get-FreeTcpPort
    ssh-keygen -q -t ed25519 -N '' -f "$work/ssh_host_ed25519_key"
    ssh-keygen -q -t ed25519 -N '' -f "$work/client_key"
    Copy-Item "$work/client_key.pub" "$work/authorized_keys"
    $null = New-Item -ItemType Directory -Force -Path /run/sshd   # sshd's privilege separation directory
    Set-Content -Path "$work/sshd_config" -Value @"
Port $port
ListenAddress 127.0.0.1
ListenAddress 127.0.0.2
HostKey $work/ssh_host_ed25519_key
PidFile $work/sshd.pid
AuthorizedKeysFile $work/authorized_keys
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
PermitRootLogin prohibit-password
UsePAM no
StrictModes no
MaxStartups 50
SetEnv PSModulePath=$ModulePath NO_COLOR=1
Subsystem powershell $Pwsh -sshs -NoLogo
"@
    # In the foreground (-D: its pid is the one started), logging to a file (-E), and holding none of
    # this process's standard streams: it may outlive this pwsh, whose output a caller reads to the end.
    $psi = [System.Diagnostics.ProcessStartInfo]::new('/usr/sbin/sshd')
    foreach ($a in '-D', '-E', "$work/sshd.log", '-f', "$work/sshd_config") { $psi.ArgumentList.Add($a) }
    $psi.UseShellExecute = $false
    $psi.RedirectStandardInput = $psi.RedirectStandardOutput = $psi.RedirectStandardError = $true
    $sshd = [System.Diagnostics.Process]::Start($psi)

    # The client: ssh reads ~/.ssh/config from the passwd entry, not $HOME, so an ssh first on PATH
    # gives it this configuration with -F.
    $bin = (New-Item -ItemType Directory -Force -Path "$work/bin").FullName
    Set-Content -Path "$bin/ssh" -Value "#!/bin/sh`nexec /usr/bin/ssh -F '$work/ssh_config' `"`$@`""
    chmod +x "$bin/ssh"
    Set-Content -Path "$work/ssh_config" -Value @"
Host node1
  HostName 127.0.0.1
Host node2
  HostName 127.0.0.2
Host node3
  HostName 127.0.0.3
Host node1 node2 node3
  Port $port
  User root
  IdentityFile $work/client_key
  IdentitiesOnly yes
  BatchMode yes
  StrictHostKeyChecking accept-new
  UserKnownHostsFile $work/known_hosts
"@
    $deadline = [DateTime]::UtcNow.AddSeconds(10)
    while (-not ((Test-TcpPort 127.0.0.1 $port) -and (Test-TcpPort 127.0.0.2 $port))) {
        if ($sshd.HasExited -or [DateTime]::UtcNow -ge $deadline) {
            $log = Get-Content -Raw -ErrorAction SilentlyContinue "$work/sshd.log"
            if (-not $sshd.HasExited) { $sshd.Kill() }
            throw "sshd did not start listening on port ${port}: $log"
        }
        Start-Sleep -Milliseconds 100
    }
    [pscustomobject]@{
        Directory   = $work
        Port        = $port
        Bin         = $bin
        SshConfig   = "$work/ssh_config"
        Nodes       = @('node1', 'node2')
        Unreachable = 'node3'
        Pid         = $sshd.Id
        Log         = "$work/sshd.log"
    }
}

<# .SYNOPSIS Stops the nodes' sshd and their sessions (its process tree), and removes their directory. #>
function Stop-SshNodes {
    param([Parameter(Mandatory, ValueFromPipeline)]$Nodes)
    process {
        $sshd = Get-Process -Id $Nodes.Pid -ErrorAction SilentlyContinue
        if ($sshd -and $sshd.Path -eq '/usr/sbin/sshd') {
            $sshd.Kill($true)
            $sshd.WaitForExit()
        }
        Remove-Item -Recurse -Force $Nodes.Directory -ErrorAction SilentlyContinue
    }
}

Export-ModuleMember -Function Start-SshNodes, Stop-SshNodes
