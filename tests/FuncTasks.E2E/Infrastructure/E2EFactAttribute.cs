using FuncTasks.Testing.Host;

namespace FuncTasks.E2E.Infrastructure;

/// <summary>A test that needs a Functions host; skipped (with the reason) when there is none.</summary>
public sealed class E2EFactAttribute : FactAttribute
{
    public E2EFactAttribute()
    {
        if (FunctionsHostLocator.Location is null)
        {
            Skip = FunctionsHostLocator.MissingReason;
        }
    }
}
