# Get-Help tells the truth: SYNTAX, parameter facts and default values are what the cmdlets do.
BeforeDiscovery {
    Import-Module "$PSScriptRoot/TestHelpers.psm1" -Force
    $cmdlets = (Import-PowerShellDataFile (Get-TestEnvironment).ModuleManifest).CmdletsToExport | ForEach-Object { @{ Name = $_ } }
}

BeforeAll {
    Import-Module "$PSScriptRoot/TestHelpers.psm1" -Force
    Import-Module (Get-TestEnvironment).ModuleManifest -Force
    $common = [System.Management.Automation.Cmdlet]::CommonParameters

    function Get-ParameterFact($command) {
        foreach ($p in $command.Parameters.Values | Where-Object Name -NotIn $common) {
            $sets = @($p.ParameterSets.Values)
            $positions = @($sets.Position | Select-Object -Unique)
            $pipeline = @(if ($sets.ValueFromPipeline -contains $true) { 'ByValue' }) + @(if ($sets.ValueFromPipelineByPropertyName -contains $true) { 'ByPropertyName' })
            [pscustomobject]@{
                Name     = $p.Name
                Required = -not ($sets.IsMandatory -contains $false)
                Position = $positions.Count -eq 1 -and $positions[0] -ge 0 ? [string]$positions[0] : 'named'
                Pipeline = $pipeline.Count ? "True ($($pipeline -join ', '))" : 'False'
                Aliases  = $p.Aliases.Count ? ($p.Aliases -join ', ') : 'none'
                Globbing = [bool]($p.Attributes | Where-Object { $_ -is [System.Management.Automation.SupportsWildcardsAttribute] })
            }
        }
    }

    function Format-ParameterSet($parameters) {
        (@($parameters | ForEach-Object { "$($_.Name):$($_.Required):$($_.Position)" }) | Sort-Object) -join ' '
    }
}

Describe 'Get-Help <Name>' -ForEach $cmdlets {
    BeforeAll {
        $command = Get-Command $Name
        $help = Get-Help $Name -Full
    }

    It 'has a synopsis, a description, examples and text for every parameter' {
        $help.Synopsis | Should -Not -BeNullOrEmpty
        $help.Synopsis.Trim() | Should -Not -BeLike "$Name *" -Because 'a real synopsis, not the syntax PowerShell makes up'
        ($help.description.Text -join ' ').Length | Should -BeGreaterThan 80
        @($help.examples.example).Count | Should -BeGreaterThan 0
        foreach ($p in @($help.parameters.parameter) | Where-Object { $_.name }) { ($p.description.Text -join ' ').Length | Should -BeGreaterThan 10 -Because "-$($p.name) needs a description" }
    }

    It 'shows in SYNTAX each parameter set with its parameters, which are required, and their positions' {
        $expected = @($command.ParameterSets | ForEach-Object {
                Format-ParameterSet ($_.Parameters | Where-Object Name -NotIn $common | ForEach-Object {
                        [pscustomobject]@{ Name = $_.Name; Required = $_.IsMandatory; Position = $_.Position -ge 0 ? [string]$_.Position : 'named' } })
            }) | Sort-Object
        $shown = @($help.syntax.syntaxItem | ForEach-Object {
                Format-ParameterSet (@($_.parameter) | Where-Object { $_ } | ForEach-Object {
                        [pscustomobject]@{ Name = $_.name; Required = $_.required -eq 'true'; Position = $_.position } })
            }) | Sort-Object
        $shown | Should -Be $expected
    }

    It 'describes every parameter as the cmdlet declares it: required, position, pipeline input, aliases, wildcards' {
        foreach ($fact in Get-ParameterFact $command) {
            $h = @($help.parameters.parameter) | Where-Object name -EQ $fact.Name
            $h | Should -Not -BeNullOrEmpty -Because "-$($fact.Name) needs help"
            ($h.required -eq 'true') | Should -Be $fact.Required -Because "-$($fact.Name) Required"
            $h.position | Should -Be $fact.Position -Because "-$($fact.Name) Position"
            $h.pipelineInput | Should -Be $fact.Pipeline -Because "-$($fact.Name) pipeline input"
            $h.aliases | Should -Be $fact.Aliases -Because "-$($fact.Name) aliases"
            ($h.globbing -eq 'true') | Should -Be $fact.Globbing -Because "-$($fact.Name) wildcards"
        }
    }

    It 'shows the default value each parameter really has' {
        $instance = [Activator]::CreateInstance($command.ImplementingType)
        foreach ($name in (Get-ParameterFact $command).Name) {
            $property = $command.ImplementingType.GetProperty($name)
            $value = $property ? $property.GetValue($instance) : [switch]$false   # -WhatIf/-Confirm belong to the engine
            $expected = if ($null -eq $value -or ($value -is [string] -and $value -eq '') -or ($value -is [array] -and $value.Count -eq 0)) { 'None' }
            elseif ($value -is [System.Management.Automation.SwitchParameter]) { [string]$value.IsPresent }
            else { [string]::Format([cultureinfo]::InvariantCulture, '{0}', $value) }
            $shown = (@($help.parameters.parameter) | Where-Object name -EQ $name).defaultValue
            ($shown -eq $expected -or $shown -like "$expected (*)") | Should -BeTrue -Because "-$name defaults to $expected, and Get-Help shows '$shown'"
        }
    }
}
