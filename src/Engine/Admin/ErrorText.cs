namespace Engine.Admin;

/// <summary>An exception as one line for an API error: never empty, its inner causes included.</summary>
public static class ErrorText
{
    public static string Of(Exception e)
    {
        if (e is AggregateException { InnerExceptions.Count: 1 } a) e = a.InnerExceptions[0];
        var parts = new List<string>();
        for (Exception? x = e; x is not null; x = x.InnerException)
        {
            var message = x.Message.Trim();
            var part = message.Length == 0 ? x.GetType().Name : message;
            if (parts.Count == 0 || !parts[^1].Contains(part)) parts.Add(part);
        }
        return string.Join(": ", parts);
    }
}
