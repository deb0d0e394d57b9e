using Azure.Core;
using Azure.Data.Tables;
using Azure.Identity;
using Azure.Storage.Blobs;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace FuncTasks.Storage;

/// <summary>
/// The app's tables and artifact container in one storage account. Made once from configuration;
/// everything that touches storage gets its clients from here.
/// </summary>
public sealed class StorageAccount
{
    public StorageAccount(TableServiceClient tables, BlobServiceClient blobs, string prefix)
    {
        TableService = tables;
        BlobService = blobs;
        Tasks = tables.GetTableClient(prefix + "tasks");
        Jobs = tables.GetTableClient(prefix + "jobs");
        ArtifactIndex = tables.GetTableClient(prefix + "artifacts");
        Schedules = tables.GetTableClient(prefix + "schedules");
        IdempotencyKeys = tables.GetTableClient(prefix + "idempotency");
        GateOverflow = tables.GetTableClient(prefix + "gatequeue");
        Artifacts = blobs.GetBlobContainerClient(prefix + "-artifacts");
        Logs = blobs.GetBlobContainerClient(prefix + "-logs");
    }

    public TableServiceClient TableService { get; }
    public BlobServiceClient BlobService { get; }
    public TableClient Tasks { get; }
    public TableClient Jobs { get; }

    /// <summary>Schedules: each one's definition row and its driver's state row.</summary>
    public TableClient Schedules { get; }

    /// <summary>One row per artifact (its metadata); the content is the blob of the same id.</summary>
    public TableClient ArtifactIndex { get; }
    public BlobContainerClient Artifacts { get; }

    /// <summary>One row per Idempotency-Key sent (Idempotency/IdempotencyStore).</summary>
    public TableClient IdempotencyKeys { get; }
    /// <summary>The concurrency gate's waiters past the head of its queue (Gate/GateOverflow).</summary>
    public TableClient GateOverflow { get; }

    /// <summary>Jobs' live output, append blobs named by job id (Output/JobOutputStore).</summary>
    public BlobContainerClient Logs { get; }

    /// <summary>Creates the tables and the container if they are missing (idempotent).</summary>
    public async Task EnsureCreatedAsync(CancellationToken cancellationToken)
    {
        await Tasks.CreateIfNotExistsAsync(cancellationToken);
        await Jobs.CreateIfNotExistsAsync(cancellationToken);
        await ArtifactIndex.CreateIfNotExistsAsync(cancellationToken);
        await Schedules.CreateIfNotExistsAsync(cancellationToken);
        await IdempotencyKeys.CreateIfNotExistsAsync(cancellationToken);
        await GateOverflow.CreateIfNotExistsAsync(cancellationToken);
        await Artifacts.CreateIfNotExistsAsync(cancellationToken: cancellationToken);
        await Logs.CreateIfNotExistsAsync(cancellationToken: cancellationToken);
    }

    public static StorageAccount FromConfiguration(IConfiguration configuration, IOptions<StorageOptions> options)
    {
        var name = options.Value.Connection;
        var prefix = options.Value.TablePrefix;
        var connectionString = configuration[name] ?? configuration.GetConnectionString(name);
        if (!string.IsNullOrWhiteSpace(connectionString))
        {
            return new StorageAccount(new TableServiceClient(connectionString), new BlobServiceClient(connectionString), prefix);
        }

        var section = configuration.GetSection(name);
        var tableUri = section["tableServiceUri"];
        var blobUri = section["blobServiceUri"];
        if (string.IsNullOrWhiteSpace(tableUri) || string.IsNullOrWhiteSpace(blobUri))
        {
            throw new InvalidOperationException(
                $"Storage is not configured: set '{name}' to a connection string, or set '{name}__tableServiceUri' and " +
                $"'{name}__blobServiceUri' for an identity-based connection (FuncTasks:Storage:Connection names the setting).");
        }

        var credential = Credential(section);
        return new StorageAccount(
            new TableServiceClient(new Uri(tableUri), credential),
            new BlobServiceClient(new Uri(blobUri), credential),
            prefix);
    }

    private static TokenCredential Credential(IConfigurationSection section)
    {
        var clientId = section["clientId"];
        return string.Equals(section["credential"], "managedidentity", StringComparison.OrdinalIgnoreCase)
            ? new ManagedIdentityCredential(string.IsNullOrEmpty(clientId) ? ManagedIdentityId.SystemAssigned : ManagedIdentityId.FromUserAssignedClientId(clientId))
            : new DefaultAzureCredential(new DefaultAzureCredentialOptions { ManagedIdentityClientId = clientId });
    }
}
