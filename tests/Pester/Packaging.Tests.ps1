# README's packaging commands as written: the module through a PSResourceGet folder repository into
# a clean scope, and the bridge as a dotnet tool in a fresh tool path, serving MCP over stdio.
BeforeAll {
    Import-Module "$PSScriptRoot/TestHelpers.psm1" -Force
    $T = Get-TestEnvironment
    $snapshot = New-BpfSnapshot
    $work = New-TestDirectory packaging
    # A clean user: its own HOME (so CurrentUser scope and repository registrations start empty) and
    # no PSModulePath inherited from this session.
    $userHome = (New-Item -ItemType Directory -Path "$work/home").FullName
    $clean = @{ Environment = @{ HOME = $userHome }; RemoveEnvironment = @('PSModulePath') }
    $readme = "$($T.RepoRoot)/README.md"
    $version = (Import-PowerShellDataFile $T.ModuleManifest).ModuleVersion
    $moduleBlock = (Get-MarkdownCodeBlock $readme '### The module for a PowerShell repository (PSResourceGet)' | Where-Object Language -EQ 'powershell').Code
    Set-Content -Path "$work/readme-package.ps1" -Value $moduleBlock
    $published = Invoke-Pwsh (Get-PromptSessionCommand "$work/readme-package.ps1") @clean -TimeoutSeconds 400
}
AfterAll {
    Remove-Item -Recurse -Force $work -ErrorAction SilentlyContinue
}

Describe 'The module package' {
    It 'is built, published to a folder repository and installed by name into a clean scope by README''s commands' {
        $published.ExitCode | Should -Be 0 -Because "it printed:`n$($published.Output)$($published.Errors)"
        $published.Output | Should -Match "KernelRelease\s+:\s+$([regex]::Escape((uname -r)))"
        Test-Path "$userHome/psrepo/EbpfMcp.$version.nupkg" | Should -BeTrue
        Test-Path "$userHome/.local/share/powershell/Modules/EbpfMcp/$version/EbpfMcp.psd1" | Should -BeTrue
    }

    It 'holds the manifest with the gallery metadata, the assembly, views, help, the BPF objects and the example' {
        Add-Type -AssemblyName System.IO.Compression.FileSystem
        $zip = [System.IO.Compression.ZipFile]::OpenRead("$($T.RepoRoot)/out/packages/EbpfMcp.$version.nupkg")
        try {
            $entries = $zip.Entries.FullName
            foreach ($file in 'EbpfMcp.psd1', 'EbpfMcp.dll', 'EbpfMcp.format.ps1xml', 'en-US/EbpfMcp.dll-Help.xml', 'examples/counter.bpf.o') { $entries | Should -Contain $file }
            foreach ($object in Get-ChildItem "$($T.RepoRoot)/bpf/*.bpf.o") { $entries | Should -Contain "bpf/$($object.Name)" }
            $reader = [IO.StreamReader]::new($zip.GetEntry('EbpfMcp.nuspec').Open())
            $nuspec = [xml]$reader.ReadToEnd()
            $reader.Dispose()
        }
        finally {
            $zip.Dispose()
        }
        $m = $nuspec.package.metadata
        $m.id | Should -Be 'EbpfMcp'
        $m.version | Should -Be $version
        $m.authors | Should -Not -BeNullOrEmpty
        $m.description | Should -Not -BeNullOrEmpty
        $m.licenseUrl | Should -Match '^https://'
        $m.projectUrl | Should -Match '^https://'
        $m.releaseNotes | Should -Not -BeNullOrEmpty
        $m.tags -split ' ' | Should -Contain 'PSModule'
        $m.tags -split ' ' | Should -Contain 'eBPF'
    }

    It 'imports by name in a new session from where it was installed, and its manifest passes Test-ModuleManifest' {
        $r = Invoke-Pwsh 'Import-Module EbpfMcp; $m = Get-Module EbpfMcp; $m.ModuleBase; (Test-ModuleManifest (Join-Path $m.ModuleBase EbpfMcp.psd1) -ErrorAction Stop).Version.ToString(); (Get-BpfKernelInfo).KernelRelease; @(Get-Command -Module EbpfMcp).Count' @clean
        $r.ExitCode | Should -Be 0 -Because $r.Errors
        $lines = @($r.Output.Trim() -split "`n" | ForEach-Object Trim)
        $lines[0] | Should -Be "$userHome/.local/share/powershell/Modules/EbpfMcp/$version"
        $lines[1] | Should -Be $version
        $lines[2] | Should -Be (uname -r)
        [int]$lines[3] | Should -Be (Import-PowerShellDataFile $T.ModuleManifest).CmdletsToExport.Count
    }
}

Describe 'The bridge as a dotnet tool' {
    BeforeAll {
        $toolPath = "$work/tool"
        $sh = @((Get-MarkdownCodeBlock $readme '### The bridge as a dotnet tool, and as a systemd service')[0].Code -split "`n")
        # README installs to /opt/ebpf-mcp (where the systemd unit looks); here a fresh folder stands in.
        $install = $sh[0].Replace('/opt/ebpf-mcp', $toolPath)
        $installOutput = bash -c "cd '$($T.RepoRoot)' && $install" 2>&1
        $installStatus = $LASTEXITCODE
        $run = $sh[1]
    }

    It 'installs with README''s command into a fresh tool path, carrying the module folder it serves' {
        $installStatus | Should -Be 0 -Because "$installOutput"
        $run | Should -Be '/opt/ebpf-mcp/ebpf-mcp -t stdio'
        Test-Path "$toolPath/ebpf-mcp" | Should -BeTrue
        # The bridge, and beside it in Modules/EbpfMcp the module folder it serves.
        $bridge = Get-ChildItem -Recurse -Directory "$toolPath/.store" | Where-Object { Test-Path "$($_.FullName)/ebpf-mcp.dll" } | Select-Object -First 1
        $bridge | Should -Not -BeNullOrEmpty
        $content = Get-Item "$($bridge.FullName)/Modules/EbpfMcp"
        foreach ($file in 'EbpfMcp.psd1', 'EbpfMcp.dll', 'EbpfMcp.format.ps1xml', 'EbpfMcp.types.ps1xml', 'en-US/EbpfMcp.dll-Help.xml') { Test-Path "$($content.FullName)/$file" | Should -BeTrue -Because $file }
        foreach ($object in Get-ChildItem "$($T.RepoRoot)/bpf/*.bpf.o") {
            (Get-FileHash "$($content.FullName)/bpf/$($object.Name)").Hash | Should -Be (Get-FileHash $object.FullName).Hash
        }
    }

    It 'serves MCP over stdio from there: initialize, tools/list and a tool call' {
        $psi = [System.Diagnostics.ProcessStartInfo]::new("$toolPath/ebpf-mcp")
        foreach ($a in '-t', 'stdio') { $psi.ArgumentList.Add($a) }
        $psi.RedirectStandardInput = $true
        $psi.RedirectStandardOutput = $true
        $psi.RedirectStandardError = $true
        $psi.UseShellExecute = $false
        $p = [System.Diagnostics.Process]::Start($psi)
        $stderr = $p.StandardError.ReadToEndAsync()
        function Send($message) { $p.StandardInput.WriteLine(($message | ConvertTo-Json -Depth 10 -Compress)); $p.StandardInput.Flush() }
        function Receive {
            $line = $p.StandardOutput.ReadLineAsync()
            if (-not $line.Wait(90000)) { throw "no answer from the bridge; it said: $($stderr.Result)" }
            $line.Result | ConvertFrom-Json -Depth 20
        }
        try {
            Send @{ jsonrpc = '2.0'; id = 1; method = 'initialize'; params = @{ protocolVersion = '2025-06-18'; capabilities = @{}; clientInfo = @{ name = 'pester'; version = '1' } } }
            (Receive).result.serverInfo.name | Should -Be 'ebpf-mcp'
            Send @{ jsonrpc = '2.0'; method = 'notifications/initialized' }
            Send @{ jsonrpc = '2.0'; id = 2; method = 'tools/list' }
            (Receive).result.tools.name | Should -Contain 'Get-BpfHook'
            Send @{ jsonrpc = '2.0'; id = 3; method = 'tools/call'; params = @{ name = 'Get-BpfKernelInfo'; arguments = @{} } }
            $answer = Receive
            $answer.result.isError | Should -Not -BeTrue
            $answer.result.structuredContent.items[0].KernelRelease | Should -Be (uname -r)
        }
        finally {
            $p.StandardInput.Close()
            if (-not $p.WaitForExit(15000)) { $p.Kill() }
        }
    }

    It 'leaves nothing loaded' {
        Get-BpfLeftover $snapshot | Should -BeNullOrEmpty
    }
}
