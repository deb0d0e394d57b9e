using System.ComponentModel.DataAnnotations;

namespace FuncTasks.Storage;

/// <summary>Where the app keeps its tasks, jobs and artifacts (section <c>FuncTasks:Storage</c>).</summary>
public sealed class StorageOptions
{
    public const string Section = "FuncTasks:Storage";

    /// <summary>
    /// The name of the connection setting. It defaults to AzureWebJobsStorage, so one setting points the
    /// whole app (Durable included) at one account. Either a connection string, or identity-based
    /// settings <c>{name}__tableServiceUri</c> and <c>{name}__blobServiceUri</c> (with optional
    /// <c>{name}__credential=managedidentity</c> and <c>{name}__clientId</c>).
    /// </summary>
    [Required]
    public string Connection { get; set; } = "AzureWebJobsStorage";

    /// <summary>Prefix of the app's tables (<c>{prefix}tasks</c>, <c>{prefix}jobs</c>) and container (<c>{prefix}-artifacts</c>).</summary>
    [Required]
    [RegularExpression("^[a-z][a-z0-9]{2,40}$", ErrorMessage = "TablePrefix must be 3-41 lowercase letters or digits, starting with a letter.")]
    public string TablePrefix { get; set; } = "functasks";
}
