# README's fleet commands as written: PowerShell remoting over SSH to two host names (node1 and node2,
# which the client's ssh config sends to 127.0.0.1 and 127.0.0.2) served by a private sshd on a free
# port with its own host key, key authentication only, and the powershell subsystem on .tools/pwsh.
BeforeAll {
    Import-Module "$PSScriptRoot/TestHelpers.psm1" -Force
    $T = Get-TestEnvironment
    Import-Module $T.ModuleManifest -Force
    $snapshot = New-BpfSnapshot
    $work = New-TestDirectory fleet
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
# The nodes' sessions find the module as an installed one (by name), here from out/.
SetEnv PSModulePath=$($T.RepoRoot)/out NO_COLOR=1
Subsystem powershell $($T.Pwsh) -sshs -NoLogo
"@
    $psi = [System.Diagnostics.ProcessStartInfo]::new('/usr/sbin/sshd')
    foreach ($a in '-D', '-e', '-f', "$work/sshd_config") { $psi.ArgumentList.Add($a) }
    $psi.UseShellExecute = $false
    $psi.RedirectStandardError = $true
    $sshd = [System.Diagnostics.Process]::Start($psi)
    $sshdLog = $sshd.StandardError.ReadToEndAsync()
    $null = Wait-Until -TimeoutSeconds 10 { Test-TcpPort 127.0.0.2 $port }

    # The client: its ssh (first on PATH, ssh with this config file) names the two nodes; ssh reads
    # ~/.ssh/config from the passwd entry, not $HOME, so a config of its own is given with -F.
    $bin = (New-Item -ItemType Directory -Path "$work/bin").FullName
    Set-Content -Path "$bin/ssh" -Value "#!/bin/sh`nexec /usr/bin/ssh -F '$work/ssh_config' `"`$@`""
    chmod +x "$bin/ssh"
    Set-Content -Path "$work/ssh_config" -Value @"
Host node1
  HostName 127.0.0.1
Host node2
  HostName 127.0.0.2
Host node1 node2
  Port $port
  IdentityFile $work/client_key
  IdentitiesOnly yes
  StrictHostKeyChecking accept-new
  UserKnownHostsFile $work/known_hosts
"@
    $client = @{ Environment = @{ PATH = "${bin}:$env:PATH"; PSModulePath = "$($T.RepoRoot)/out" } }

    # Something both nodes (this kernel) have loaded.
    $i = Install-BpfProgram -Path $T.ExampleObject -Attach
    $programId = $i.Programs[0].Id
}
AfterAll {
    $i | Uninstall-BpfProgram -ErrorAction SilentlyContinue
    if ($sshd -and -not $sshd.HasExited) { $sshd.Kill() }
    Remove-Item -Recurse -Force $work -ErrorAction SilentlyContinue
}

Describe 'Fleets through PowerShell remoting over SSH' {
    It 'runs README''s commands as written: one table from both nodes, then each node''s traced failures' {
        $block = (Get-MarkdownCodeBlock "$($T.RepoRoot)/README.md" '## Fleets (PowerShell remoting over SSH)' | Where-Object Language -EQ 'powershell').Code
        Set-Content -Path "$work/readme-fleet.ps1" -Value $block
        $r = Invoke-Pwsh (Get-PromptSessionCommand "$work/readme-fleet.ps1") @client -TimeoutSeconds 180
        $r.ExitCode | Should -Be 0 -Because "it printed:`n$($r.Output)$($r.Errors)"
        $r.Output | Should -Match 'PSComputerName\s+Id\s+Type\s+Name\s+AttachedTo'
        $r.Output | Should -Match "node1\s+$programId\s+tracepoint\s+count_syscalls"
        $r.Output | Should -Match "node2\s+$programId\s+tracepoint\s+count_syscalls"
        $r.Output | Should -Match 'Count\s+ProcessName\s+ProcessId\s+Syscall\s+Errno'
    }

    It 'returns the nodes'' objects deserialized, with PSComputerName, rendered by the module''s view' {
        $script = @"
`$hooks = Invoke-Command -HostName node1, node2 -UserName root { Get-BpfHook -Id $programId }
`$hooks | ForEach-Object { [pscustomobject]@{ Computer = `$_.PSComputerName; Type = `$_.PSObject.TypeNames[0]; Id = `$_.Id; AttachedTo = @(`$_.AttachedTo) } } | ConvertTo-Json -Compress
'---'
`$hooks | Out-String -Width 200
"@
        $r = Invoke-Pwsh "Import-Module EbpfMcp; $script" @client -TimeoutSeconds 120
        $r.ExitCode | Should -Be 0 -Because $r.Errors
        $json, $table = $r.Output -split "---`n", 2
        $hooks = @($json | ConvertFrom-Json)
        $hooks.Computer | Sort-Object | Should -Be @('node1', 'node2')
        $hooks.Type | Select-Object -Unique | Should -Be 'Deserialized.EbpfMcp.Model.BpfHook'
        $hooks.Id | Select-Object -Unique | Should -Be $programId
        $hooks.AttachedTo | Select-Object -Unique | Should -Be 'tracepoint:raw_syscalls:sys_enter'
        # The view's columns, not the default list of every property.
        $table | Should -Match 'Id\s+Type\s+Name\s+AttachedTo\s+InstalledBy\s+PSComputerName'
        $table | Should -Not -Match 'LoadedAt\s+:'
    }

    It 'authenticates with keys only' {
        $out = ssh -F none -p $port -o BatchMode=yes -o PubkeyAuthentication=no -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null root@127.0.0.1 true 2>&1
        $LASTEXITCODE | Should -Not -Be 0
        "$out" | Should -Match 'Permission denied'
    }

    It 'leaves nothing loaded' {
        $i | Uninstall-BpfProgram
        Get-BpfLeftover $snapshot | Should -BeNullOrEmpty
    }
}
