using System.Threading.Channels;
using Akka.Actor;
using Engine.Protocol;

namespace Engine.Runs;

/// <summary>An attached client's end of a run, on the node the client reached: what the run's actor sends (with who
/// sent it) goes to the client's connection; when the run's actor goes (its worker or owner lost), the connection hears
/// it. Stopping it tells the run's actor, which watches it, that the client went away.</summary>
public sealed class RunSessionActor : ReceiveActor
{
    public static Props Props(ChannelWriter<(object Message, IActorRef From)> events) =>
        Akka.Actor.Props.Create(() => new RunSessionActor(events));

    public RunSessionActor(ChannelWriter<(object Message, IActorRef From)> events)
    {
        Receive<RunAttached>(a =>
        {
            Context.Watch(Sender);
            events.TryWrite((a, Sender));
        });
        ReceiveAny(m => events.TryWrite((m, Sender)));
    }
}
