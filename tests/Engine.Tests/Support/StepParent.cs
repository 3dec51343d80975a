using Akka.Actor;

namespace Engine.Tests.Support;

/// <summary>Stands in for the app actor: the child's messages to its parent reach the probe, the rest reach the child.</summary>
public sealed class StepParent : ReceiveActor
{
    public StepParent(Props child, IActorRef probe)
    {
        var c = Context.ActorOf(child, "child");
        ReceiveAny(m => { if (Sender.Equals(c)) probe.Forward(m); else c.Forward(m); });
    }
}
