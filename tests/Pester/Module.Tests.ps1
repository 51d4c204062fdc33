# The module as pwsh users load it: Import-Module from out/EbpfMcp, its manifest, its folder.
BeforeDiscovery {
    Import-Module "$PSScriptRoot/TestHelpers.psm1" -Force
    $cmdlets = (Import-PowerShellDataFile (Get-TestEnvironment).ModuleManifest).CmdletsToExport | ForEach-Object { @{ Name = $_ } }
}

BeforeAll {
    Import-Module "$PSScriptRoot/TestHelpers.psm1" -Force
    $T = Get-TestEnvironment
    Import-Module $T.ModuleManifest -Force
}

Describe 'The EbpfMcp module from out/EbpfMcp' {
    It 'imports by path and exports exactly the cmdlets its manifest names' {
        $manifest = Import-PowerShellDataFile $T.ModuleManifest
        $module = Get-Module EbpfMcp
        $module.ModuleBase | Should -Be $T.ModuleFolder
        @((Get-Command -Module EbpfMcp).Name | Sort-Object) | Should -Be @($manifest.CmdletsToExport | Sort-Object)
        (Get-Command -Module EbpfMcp).CommandType | Select-Object -Unique | Should -Be 'Cmdlet'
    }

    It 'has a manifest Test-ModuleManifest accepts, with what the PowerShell Gallery shows' {
        $info = Test-ModuleManifest -Path $T.ModuleManifest -ErrorAction Stop
        $info.Version | Should -Be ([version](Select-Xml -Path "$($T.RepoRoot)/src/EbpfMcp.Module/EbpfMcp.Module.csproj" -XPath '//Version').Node.InnerText)
        $info.Author | Should -Not -BeNullOrEmpty
        $info.CompanyName | Should -Not -BeNullOrEmpty
        $info.Description.Length | Should -BeGreaterThan 40
        $info.LicenseUri.Scheme | Should -Be 'https'
        $info.ProjectUri.Scheme | Should -Be 'https'
        $info.Tags | Should -Contain 'eBPF'
        $info.Tags | Should -Contain 'PSEdition_Core'
        $info.ReleaseNotes | Should -Match $info.Version.ToString()
        $info.PowerShellVersion | Should -BeLessOrEqual ([version]'7.4')
    }

    It 'carries its format views, help, the committed BPF objects and the example object' {
        Test-Path "$($T.ModuleFolder)/EbpfMcp.format.ps1xml" | Should -BeTrue
        Test-Path "$($T.ModuleFolder)/en-US/EbpfMcp.dll-Help.xml" | Should -BeTrue
        $committed = @(Get-ChildItem "$($T.RepoRoot)/bpf/*.bpf.o") + @(Get-Item $T.ExampleObject)
        $committed.Count | Should -BeGreaterThan 2
        foreach ($object in $committed) {
            $folder = $object.FullName -like "$($T.RepoRoot)/examples/*" ? 'examples' : 'bpf'
            (Get-FileHash "$($T.ModuleFolder)/$folder/$($object.Name)").Hash | Should -Be (Get-FileHash $object.FullName).Hash -Because "$folder/$($object.Name) is shipped as committed"
        }
    }

    It '<Name> declares output types that format views select, live and deserialized' -ForEach $cmdlets {
        $types = @((Get-Command $Name).OutputType.Name | Where-Object { $_ -ne 'System.Void' })
        foreach ($type in $types) {
            foreach ($typeName in $type, "Deserialized.$type") {
                @(Get-FormatData -TypeName $typeName -PowerShellVersion $PSVersionTable.PSVersion).Count | Should -BeGreaterThan 0 -Because "$typeName needs a view"
            }
        }
    }
}
