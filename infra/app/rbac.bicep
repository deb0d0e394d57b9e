// Data-plane roles of the app's user-assigned identity. Assignment names come from guid() over the
// scope, the identity and the role, so a redeploy finds the same assignments instead of failing on
// duplicates.

@description('Name of the user-assigned managed identity that receives the roles.')
param identityName string

@description('Name of the storage account the identity reaches (host, Durable, FuncTasks data, deployment packages).')
param storageAccountName string

@description('Name of the Application Insights component the identity publishes telemetry to.')
param applicationInsightsName string

// Built-in role definition ids: https://learn.microsoft.com/azure/role-based-access-control/built-in-roles
var storageRoles = [
  {
    // Host locks, timer and Durable state blobs, FuncTasks artifacts, deployment packages.
    roleDefinitionId: 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b'
    description: 'Storage Blob Data Owner'
  }
  {
    // Durable Functions control and work-item queues.
    roleDefinitionId: '974c5e8b-45b9-4653-ba55-5f855dd0fb88'
    description: 'Storage Queue Data Contributor'
  }
  {
    // Durable Functions history and instance tables, FuncTasks tasks and jobs tables.
    roleDefinitionId: '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3'
    description: 'Storage Table Data Contributor'
  }
]

var monitoringMetricsPublisherRoleId = '3913510d-42f4-4e42-8a64-420c390055eb'

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' existing = {
  name: identityName
}

resource storage 'Microsoft.Storage/storageAccounts@2025-01-01' existing = {
  name: storageAccountName
}

resource applicationInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: applicationInsightsName
}

resource storageRoleAssignments 'Microsoft.Authorization/roleAssignments@2022-04-01' = [
  for role in storageRoles: {
    name: guid(storage.id, identity.id, role.roleDefinitionId)
    scope: storage
    properties: {
      roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', role.roleDefinitionId)
      principalId: identity.properties.principalId
      principalType: 'ServicePrincipal'
      description: '${role.description} for the FuncTasks app identity'
    }
  }
]

resource metricsPublisherAssignment 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(applicationInsights.id, identity.id, monitoringMetricsPublisherRoleId)
  scope: applicationInsights
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', monitoringMetricsPublisherRoleId)
    principalId: identity.properties.principalId
    principalType: 'ServicePrincipal'
    description: 'Monitoring Metrics Publisher for the FuncTasks app identity (Entra-authenticated telemetry)'
  }
}
