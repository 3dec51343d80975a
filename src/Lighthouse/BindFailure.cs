using System.Net.Sockets;
using Akka.Remote;

namespace Lighthouse;

/// <summary>Akka reports a cluster address it cannot bind through several layers of AggregateException; this finds the
/// socket error under Akka's transport failure, so a node can say in one line why it cannot listen.</summary>
internal static class BindFailure
{
    public static SocketException? Of(Exception error)
    {
        var remoting = false;
        for (var e = error; e is not null; e = e is AggregateException { InnerExceptions.Count: > 0 } many ? many.InnerExceptions[0] : e.InnerException)
        {
            remoting |= e is RemoteTransportException;
            if (e is SocketException socket && remoting) return socket;
        }
        return null;
    }
}
