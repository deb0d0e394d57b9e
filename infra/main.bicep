// FuncTasks on Azure: a Flex Consumption function app (.NET 10 isolated) that reaches its storage
// account and Application Insights with a user-assigned managed identity only.
// Deploys into an existing resource group: `azd up`, or `az deployment group create` (see README.md).
targetScope = 'resourceGroup'

// ---- Environment -------------------------------------------------------------------------------

@description('Name of the environment (azd: AZURE_ENV_NAME). Seeds the resource names and the default task hub name.')
@minLength(1)
@maxLength(64)
param environmentName string

@description('Azure region of every resource; it must offer the Flex Consumption plan (az functionapp list-flexconsumption-locations).')
@metadata({
  azd: {
    type: 'location'
  }
})
param location string = resourceGroup().location

// ---- Scale -------------------------------------------------------------------------------------

@description('Most instances the function app scales out to.')
@minValue(1)
@maxValue(1000)
param maximumInstanceCount int = 100

@description('Memory of each function app instance, in MB.')
@allowed([
  512
  2048
  4096
])
param instanceMemoryMB int = 2048

// ---- FuncTasks options -------------------------------------------------------------------------

@description('Durable Functions task hub name (FuncTasksTaskHub): letters and digits only, starting with a letter, 3-45 characters. One per app and environment.')
@minLength(3)
@maxLength(45)
param taskHubName string = take('FuncTasks${replace(replace(replace(replace(replace(environmentName, '-', ''), '_', ''), '.', ''), '(', ''), ')', '')}', 45)

@description('Prefix of FuncTasks\' tables (<prefix>tasks, <prefix>jobs) and blob container (<prefix>-artifacts): lowercase letters and digits, starting with a letter.')
@minLength(1)
@maxLength(40)
param tablePrefix string = 'functasks'

@description('Most jobs FuncTasks runs at once (FuncTasks__Concurrency__Limit).')
@minValue(1)
@maxValue(1000)
param concurrencyLimit int = 5

@description('Bytes each log of a job keeps (FuncTasks__Execution__LogMaxBytes); past it the log says how much it dropped.')
@minValue(1024)
param logMaxBytes int = 67108864

@description('Whether shell tasks may run (FuncTasks__Shell__Enabled). Off in Azure unless turned on here.')
param shellEnabled bool = false

@description('Comma-separated executables shell tasks may start (FuncTasks__Shell__AllowedExecutables). Empty: no allow-list is configured.')
param shellAllowedExecutables string = ''

@description('Hours the answer to a request with an Idempotency-Key is kept (FuncTasks__Api__IdempotencyHours).')
@minValue(1)
@maxValue(8784)
param idempotencyHours int = 24

@description('Days a finished job and its orchestration history are kept; 0 keeps them (FuncTasks__Retention__JobDays).')
@minValue(0)
@maxValue(36500)
param retentionJobDays int = 30

@description('Days an artifact and its blob are kept; 0 keeps them (FuncTasks__Retention__ArtifactDays).')
@minValue(0)
@maxValue(36500)
param retentionArtifactDays int = 30

@description('NCRONTAB schedule (six fields, with seconds) of the sweep of orphaned jobs (FuncTasksSweepSchedule).')
param sweepSchedule string = '0 */5 * * * *'

@description('Comma-separated API keys (FuncTasks__Security__ApiKeys). When set, API calls must also carry one of them in the X-API-Key header. Empty: function keys only.')
@secure()
param apiKeys string = ''

// ---- Names -------------------------------------------------------------------------------------

var resourceToken = toLower(uniqueString(subscription().id, resourceGroup().id, environmentName))
var tags = {
  'azd-env-name': environmentName
}
var serviceName = 'api' // the service in azure.yaml

var functionAppName = 'func-functasks-${resourceToken}'
var planName = 'plan-functasks-${resourceToken}'
var identityName = 'id-functasks-${resourceToken}'
var storageAccountName = 'st${resourceToken}'
var logAnalyticsName = 'log-functasks-${resourceToken}'
var applicationInsightsName = 'appi-functasks-${resourceToken}'
var deploymentContainerName = 'app-package-${resourceToken}'

// ---- Resources ---------------------------------------------------------------------------------

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
  name: identityName
  location: location
  tags: tags
}

module storage 'app/storage.bicep' = {
  name: 'storage'
  params: {
    name: storageAccountName
    location: location
    tags: tags
    deploymentContainerName: deploymentContainerName
  }
}

module monitoring 'app/monitoring.bicep' = {
  name: 'monitoring'
  params: {
    logAnalyticsName: logAnalyticsName
    applicationInsightsName: applicationInsightsName
    location: location
    tags: tags
  }
}

// Names, not module outputs, go to the modules below (known before deployment, so What-If can
// predict their resources); dependsOn supplies the ordering the outputs would have implied.
module rbac 'app/rbac.bicep' = {
  name: 'rbac'
  params: {
    identityName: identity.name
    storageAccountName: storageAccountName
    applicationInsightsName: applicationInsightsName
  }
  dependsOn: [
    storage
    monitoring
  ]
}

module functionApp 'app/function-app.bicep' = {
  name: 'function-app'
  params: {
    name: functionAppName
    planName: planName
    location: location
    tags: tags
    serviceName: serviceName
    identityName: identity.name
    storageAccountName: storageAccountName
    deploymentContainerName: deploymentContainerName
    applicationInsightsName: applicationInsightsName
    maximumInstanceCount: maximumInstanceCount
    instanceMemoryMB: instanceMemoryMB
    appSettings: {
      FuncTasksTaskHub: taskHubName
      FuncTasks__Storage__TablePrefix: tablePrefix
      FuncTasks__Concurrency__Limit: string(concurrencyLimit)
      FuncTasks__Shell__Enabled: shellEnabled ? 'true' : 'false'
      FuncTasks__Execution__LogMaxBytes: string(logMaxBytes)
      FuncTasks__Shell__AllowedExecutables: shellAllowedExecutables
      FuncTasksSweepSchedule: sweepSchedule
      FuncTasks__Api__IdempotencyHours: string(idempotencyHours)
      FuncTasks__Retention__JobDays: string(retentionJobDays)
      FuncTasks__Retention__ArtifactDays: string(retentionArtifactDays)
      FuncTasks__Retention__BatchSize: '1000'
      FuncTasks__Security__ApiKeys: apiKeys
      // host.json keeps 1 s for local runs; in Azure every poll of an idle queue is a billed
      // storage transaction, so wait up to 5 s.
      AzureFunctionsJobHost__extensions__durableTask__storageProvider__maxQueuePollingInterval: '00:00:05'
    }
  }
  // rbac follows storage and monitoring. The host starts as soon as the app exists: let it find
  // its storage roles already granted.
  dependsOn: [
    rbac
  ]
}

// ---- Outputs (azd stores them in .azure/<env>/.env) --------------------------------------------

output AZURE_LOCATION string = location
output AZURE_TENANT_ID string = tenant().tenantId
output AZURE_RESOURCE_GROUP string = resourceGroup().name

output SERVICE_API_NAME string = functionApp.outputs.name
output AZURE_FUNCTION_APP_NAME string = functionApp.outputs.name
output AZURE_FUNCTION_APP_HOST_NAME string = functionApp.outputs.defaultHostName
output FUNCTASKS_BASE_URL string = 'https://${functionApp.outputs.defaultHostName}/api'
output FUNCTASKS_TASK_HUB string = taskHubName

output AZURE_STORAGE_ACCOUNT_NAME string = storage.outputs.name
output AZURE_USER_ASSIGNED_IDENTITY_NAME string = identity.name
output AZURE_USER_ASSIGNED_IDENTITY_CLIENT_ID string = identity.properties.clientId
output APPLICATIONINSIGHTS_NAME string = monitoring.outputs.applicationInsightsName
output APPLICATIONINSIGHTS_CONNECTION_STRING string = monitoring.outputs.applicationInsightsConnectionString
