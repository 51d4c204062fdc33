# README's fleet commands as written: PowerShell remoting over SSH to two host names (node1 and node2,
# which the client's ssh config sends to 127.0.0.1 and 127.0.0.2) served by a private sshd on a free
# port with its own host key, key authentication only, and the powershell subsystem on .tools/pwsh
# (tests/SshNodes/SshNodes.psm1, which the bridge's fleet tests use too).
BeforeAll {
    Import-Module "$PSScriptRoot/TestHelpers.psm1" -Force
    $T = Get-TestEnvironment
    Import-Module $T.ModuleManifest -Force
    Import-Module "$PSScriptRoot/../SshNodes/SshNodes.psm1" -Force
    $snapshot = New-BpfSnapshot
    # The nodes' sessions find the module as an installed one (by name), here from out/.
    $nodes = Start-SshNodes -Directory (New-TestDirectory fleet) -Pwsh $T.Pwsh -ModulePath "$($T.RepoRoot)/out"
    $port = $nodes.Port
    $client = @{ Environment = @{ PATH = "$($nodes.Bin):$env:PATH"; PSModulePath = "$($T.RepoRoot)/out" } }

    # Something both nodes (this kernel) have loaded.
    $i = Install-BpfProgram -Path $T.ExampleObject -Attach
    $programId = $i.Programs[0].Id
}
AfterAll {
    $i | Uninstall-BpfProgram -ErrorAction SilentlyContinue
    if ($nodes) { $nodes | Stop-SshNodes }
}

Describe 'Fleets through PowerShell remoting over SSH' {
    It 'runs README''s commands as written: one table from both nodes, then each node''s traced failures' {
        $block = (Get-MarkdownCodeBlock "$($T.RepoRoot)/README.md" '## Fleets (PowerShell remoting over SSH)' | Where-Object Language -EQ 'powershell').Code
        Set-Content -Path "$($nodes.Directory)/readme-fleet.ps1" -Value $block
        $r = Invoke-Pwsh (Get-PromptSessionCommand "$($nodes.Directory)/readme-fleet.ps1") @client -TimeoutSeconds 180
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
