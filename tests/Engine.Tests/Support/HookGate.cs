using System.Net;
using System.Net.Sockets;
using Engine.Containers;

namespace Engine.Tests.Support;

/// <summary>A postdeploy hook that goes on only once the test opens its gate (a loopback port; containers use host
/// networking): the deployment holds still in `running-hook` until then.</summary>
public sealed class HookGate : IDisposable
{
    private readonly int _port = FreePorts.Take(1)[0];
    private readonly TcpListener _gate;

    public HookGate() => _gate = new TcpListener(IPAddress.Loopback, _port);

    /// <summary>Writes hook-begins, waits for the gate, writes hook-ends.</summary>
    public string Hook => $"echo hook-begins; until nc 127.0.0.1 {_port} -e true 2>/dev/null; do sleep 0.1; done; echo hook-ends";

    public void Open() => _gate.Start();

    public void Dispose() => _gate.Stop();
}
