namespace Engine.Tests.Support;

/// <summary>Waits on a condition with a deadline; never a fixed sleep.</summary>
public static class Eventually
{
    public static async Task<T> Until<T>(Func<Task<T>> probe, Func<T, bool> done, TimeSpan within, string what)
    {
        var deadline = DateTime.UtcNow + within;
        T last;
        while (true)
        {
            last = await probe();
            if (done(last)) return last;
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"gave up after {within.TotalSeconds} s waiting for {what}; last value: {last}");
            await Task.Delay(100);
        }
    }
}
