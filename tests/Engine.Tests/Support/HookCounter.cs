using System.Net;
using System.Net.Sockets;
using Engine.Containers;

namespace Engine.Tests.Support;

/// <summary>A postdeploy hook that knocks on a loopback port once per run (containers use host networking), and the count
/// of knocks.</summary>
public sealed class HookCounter : IDisposable
{
    private readonly int _port = FreePorts.Take(1)[0];
    private readonly TcpListener _listener;
    private readonly CancellationTokenSource _stop = new();
    private int _hits;

    public HookCounter()
    {
        _listener = new TcpListener(IPAddress.Loopback, _port);
        _listener.Start();
        _ = Task.Run(async () =>
        {
            try
            {
                while (true)
                {
                    using var knock = await _listener.AcceptTcpClientAsync(_stop.Token);
                    Interlocked.Increment(ref _hits);
                }
            }
            catch (OperationCanceledException) { }
        });
    }

    /// <summary>Fails when the knock does not get through, so that a hook that did not count also fails.</summary>
    public string Hook => $"nc 127.0.0.1 {_port} -e true";

    public int Hits => Volatile.Read(ref _hits);

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Stop();
    }
}
