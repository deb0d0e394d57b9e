namespace FuncTasks.Api;

public static class Timestamps
{
    /// <summary>Now, to the millisecond: what the API shows is exactly what is stored.</summary>
    public static DateTimeOffset Now(TimeProvider clock)
    {
        var now = clock.GetUtcNow();
        return new DateTimeOffset(now.Ticks - (now.Ticks % TimeSpan.TicksPerMillisecond), TimeSpan.Zero);
    }
}
