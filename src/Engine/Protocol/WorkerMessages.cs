using Akka.Actor;

namespace Engine.Protocol;

/// <summary>To a worker: its host, capacity and load (-> WorkerInfo, or Status.Failure when its Docker cannot be asked).
/// <paramref name="ExceptApp"/>'s containers are not counted: a new release of that app replaces them.</summary>
[Manifest("describe-worker.v1")]
public sealed record DescribeWorker(string? ExceptApp) : IEngineMessage;

/// <summary>To a worker: hand out this many ports from its range for web containers (-> PortsReserved).</summary>
[Manifest("reserve-ports.v1")]
public sealed record ReservePorts(int Count) : IEngineMessage;

/// <param name="Error">Set when the range has no free port left.</param>
[Manifest("ports-reserved.v1")]
public sealed record PortsReserved(IReadOnlyList<int> Ports, string? Error = null) : IEngineMessage;

/// <summary>To the worker that built the image: push it to the registry as <paramref name="Remote"/>; its output goes to
/// <paramref name="Log"/> (-> ImageDistributed).</summary>
[Manifest("push-image.v1")]
public sealed record PushImage(string Local, string Remote, IActorRef Log) : IEngineMessage;

/// <summary>To a worker that will run the image: pull it from the registry (-> ImageDistributed).</summary>
[Manifest("pull-image.v1")]
public sealed record PullImage(string Remote, string Local, IActorRef Log) : IEngineMessage;

/// <param name="Error">Null when the image is where it was asked to be.</param>
[Manifest("image-distributed.v1")]
public sealed record ImageDistributed(string Worker, string? Error) : IEngineMessage;

/// <summary>What a worker told about itself: its name, where routers reach it, its capacity (0: no limit) and how many
/// containers it runs now (not counting those of the app being placed when a new release replaces them).</summary>
[Manifest("worker-info.v1")]
public sealed record WorkerInfo(string Address, string Name, string Host, int Capacity, int Running) : IEngineMessage;

/// <summary>One container of a release and the worker (name) it goes to.</summary>
public sealed record PlacedContainer(string Type, int Index, string Worker, string WorkerHost, int? Port = null);
