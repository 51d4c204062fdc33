# Every Get-Help example, and README's commands for pwsh users and for the original HTTP API, run
# as written. (README's packaging, fleet and deploy commands run in Packaging/Fleet/Deploy.Tests.ps1.)
BeforeDiscovery {
    Import-Module "$PSScriptRoot/TestHelpers.psm1" -Force
    Import-Module (Get-TestEnvironment).ModuleManifest -Force
    $examples = foreach ($cmdlet in (Import-PowerShellDataFile (Get-TestEnvironment).ModuleManifest).CmdletsToExport) {
        $n = 0
        foreach ($e in (Get-Help $cmdlet -Examples).examples.example) { $n++; @{ Cmdlet = $cmdlet; Number = $n; Key = "$cmdlet/$n" } }
    }
}

BeforeAll {
    Import-Module "$PSScriptRoot/TestHelpers.psm1" -Force
    $T = Get-TestEnvironment
    Import-Module $T.ModuleManifest -Force
    $snapshot = New-BpfSnapshot
    $work = New-TestDirectory examples

    # Every help example at once, each in its own pwsh (traces run for seconds; they overlap here).
    $jobs = foreach ($cmdlet in (Import-PowerShellDataFile $T.ModuleManifest).CmdletsToExport) {
        $n = 0
        foreach ($e in (Get-Help $cmdlet -Examples).examples.example) {
            $n++
            $file = "$work/$cmdlet-$n.ps1"
            Set-Content -Path $file -Value $e.code
            [pscustomobject]@{ Key = "$cmdlet/$n"; Command = Get-PromptSessionCommand $file "Import-Module '$($T.ModuleManifest)'" }
        }
    }
    $helpers = "$PSScriptRoot/TestHelpers.psm1"
    $results = @{}
    $jobs | ForEach-Object -ThrottleLimit 6 -Parallel {
        Import-Module $using:helpers
        # In the test's own directory: examples that write files (-OutFile ./x.svg) write them there.
        [pscustomobject]@{ Key = $_.Key; Result = Invoke-Pwsh $_.Command -TimeoutSeconds 120 -WorkingDirectory $using:work }
    } | ForEach-Object { $results[$_.Key] = $_.Result }
}
AfterAll {
    Remove-Item -Recurse -Force $work -ErrorAction SilentlyContinue
}

Describe 'Get-Help examples' {
    It '<Key> runs as written' -ForEach $examples {
        $r = $results[$Key]
        $r.ExitCode | Should -Be 0 -Because "it printed:`n$($r.Output)$($r.Errors)"
        $r.Output | Should -Not -Match 'System\.[\w.]+\[\]'
    }

    It 'leave nothing loaded' {
        Get-BpfLeftover $snapshot | Should -BeNullOrEmpty
    }
}

Describe 'README for root without sudo' {
    It 'says once that commands run as root, and no command needs sudo' {
        $readme = Get-Content -Raw "$($T.RepoRoot)/README.md"
        $readme | Should -Match 'runs \*\*as root\*\*'
        $blocks = [regex]::Matches($readme, '(?ms)^```(\w*)\n(.*?)^```').ForEach({ $_.Groups[2].Value })
        $blocks.Count | Should -BeGreaterThan 10
        foreach ($block in $blocks) {
            $block | Should -Not -Match '(^|[\s(`$"])sudo\s' -Because "a README command uses sudo:`n$block"
            $block | Should -Not -Match '"command":\s*"sudo"'
        }
    }
}

Describe 'README: Use it from PowerShell' {
    BeforeAll {
        $blocks = Get-MarkdownCodeBlock "$($T.RepoRoot)/README.md" '## Use it from PowerShell'
    }

    It 'installs pwsh beside the repository with the command it shows' {
        $sh = $blocks | Where-Object Language -EQ 'sh'
        $lines = @($sh.Code -split "`n")
        $lines[0] | Should -Match '^dotnet tool update --tool-path \.tools PowerShell --version 7\.6\.9$'
        Push-Location $T.RepoRoot
        try { bash -c $lines[0] | Out-Null } finally { Pop-Location }
        $LASTEXITCODE | Should -Be 0
        $lines[1] | Should -Be '.tools/pwsh'
        (& "$($T.RepoRoot)/.tools/pwsh" -NoProfile -Command '$PSVersionTable.PSVersion.ToString()') | Should -Be '7.6.9'
    }

    It 'runs the PowerShell commands as written, from the repository root' {
        $code = ($blocks | Where-Object Language -EQ 'powershell').Code
        $file = "$work/readme-use.ps1"
        Set-Content -Path $file -Value $code
        Remove-Item /tmp/execs.csv -ErrorAction SilentlyContinue
        $r = Invoke-Pwsh (Get-PromptSessionCommand $file '') -TimeoutSeconds 300
        try {
            $r.ExitCode | Should -Be 0 -Because "it printed:`n$($r.Output)$($r.Errors)"
            $r.Output | Should -Match 'KernelRelease\s+:'
            $r.Output | Should -Match 'MapId\s+Key\s+Value'
            $r.Output | Should -Match 'Install-BpfProgram'
            Test-Path /tmp/execs.csv | Should -BeTrue
            Get-Content -Raw /tmp/execs.csv | Should -Not -Match 'System\.String\[\]'
        }
        finally {
            Remove-Item /tmp/execs.csv -ErrorAction SilentlyContinue
        }
        Get-BpfLeftover $snapshot | Should -BeNullOrEmpty
    }
}

Describe 'README: the original API still works' {
    It 'answers the seed calls as written, against ./ebpf-mcp -t http --allow-deploy' {
        $busy = try { $c = [System.Net.Sockets.TcpClient]::new('127.0.0.1', 8080); $c.Dispose(); $true } catch { $false }
        $busy | Should -BeFalse -Because "README's commands use port 8080, which something else holds"
        $block = (Get-MarkdownCodeBlock "$($T.RepoRoot)/README.md" '### The original API still works').Code
        # The launcher execs the bridge, so this process is the bridge; its log goes to a file.
        $log = "$work/bridge.log"
        $psi = [System.Diagnostics.ProcessStartInfo]::new('bash')
        foreach ($a in '-c', "exec ./ebpf-mcp -t http --allow-deploy 2>'$log'") { $psi.ArgumentList.Add($a) }
        $psi.WorkingDirectory = $T.RepoRoot
        $psi.UseShellExecute = $false
        # README's token path is root's default; a desktop session's XDG_RUNTIME_DIR would move it.
        $null = $psi.Environment.Remove('XDG_RUNTIME_DIR')
        $bridge = [System.Diagnostics.Process]::Start($psi)
        try {
            $null = Wait-Until -TimeoutSeconds 240 { (Get-Content -Raw $log -ErrorAction SilentlyContinue) -match 'tools ready' -or $bridge.HasExited }
            Get-Content -Raw $log | Should -Match 'tools ready'
            # The listener comes up right after the tools.
            $null = Wait-Until -TimeoutSeconds 30 { Test-TcpPort 127.0.0.1 8080 }
            $out = @(bash -c "cd '$($T.RepoRoot)' && $block")
            $LASTEXITCODE | Should -Be 0
            $answers = $out | Where-Object { $_ -like '{*' } | ConvertFrom-Json
            $answers | Should -HaveCount 3
            $answers[0].result.kernel_release | Should -Be (uname -r)
            $answers[1].result.PSObject.Properties.Name | Should -Contain 'programs' -Because 'hooks_inspect lists the programs'
            $answers[2].result.loaded | Should -BeTrue
            $answers[2].result.program_ids | Should -HaveCount 1
            (Get-KernelProgram | Where-Object id -EQ $answers[2].result.program_ids[0]).name | Should -Be 'count_syscalls'
        }
        finally {
            if (-not $bridge.HasExited) { $bridge.Kill() }
            $bridge.WaitForExit()
        }
        Get-BpfLeftover $snapshot | Should -BeNullOrEmpty -Because 'what deploy loaded goes with the bridge'
    }
}
