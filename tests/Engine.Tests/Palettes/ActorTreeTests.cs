using Akka.Actor;
using Akka.TestKit.Xunit2;
using Engine.Palettes;
using Engine.Protocol;

namespace Engine.Tests.Palettes;

public sealed class ActorTreeTests : TestKit
{
    private static readonly string[] Deep = ["deep"], None = [], Top = ["b", "a"];

    private sealed class Parent : ReceiveActor
    {
        public Parent(string[] children)
        {
            foreach (var child in children) Context.ActorOf(Props.Create(() => new Parent(child == "b" ? Deep : None)), child);
            ReceiveAny(_ => Sender.Tell("ready"));
        }
    }

    private void Spawn()
    {
        var top = Sys.ActorOf(Props.Create(() => new Parent(Top)), "top");
        top.Tell("ready?");
        ExpectMsg("ready");
        // b makes its child in its own constructor, which may run after top answered: b answers only after it.
        Sys.ActorSelection("/user/top/b").Tell("ready?");
        ExpectMsg("ready");
    }

    [Fact]
    public void The_tree_lists_every_live_child_in_name_order_down_to_the_depth_asked()
    {
        Spawn();
        var tree = ActorTree.Walk(Sys, "/user/top", 2)!;
        Assert.Equal([("/user/top", 0), ("a", 1), ("b", 1), ("deep", 2)], tree.Actors.Select(a => (a.Name, a.Depth)));
        Assert.Equal("/user/top/b/deep", tree.Actors[^1].Path);
        Assert.Equal([("/user/top", 0), ("a", 1), ("b", 1)], ActorTree.Walk(Sys, "/user/top", 1)!.Actors.Select(a => (a.Name, a.Depth)));
        Assert.Null(ActorTree.Walk(Sys, "/user/nobody", 2));
    }

    [Fact]
    public void A_path_with_a_hash_finds_no_actor()
    {
        Spawn();
        Assert.Null(ActorTree.Walk(Sys, "/user/top#x", 1)); // Akka reads what follows '#' as a uid: this one threw
        Assert.Null(ActorTree.Walk(Sys, "/user/top/a#1", 1));
    }

    [Fact]
    public void The_node_actor_answers_for_its_tree_and_refuses_a_path_where_nothing_lives()
    {
        Spawn();
        var answering = Sys.ActorOf(Props.Create<ActorTreeActor>());
        answering.Tell(new GetActorTree("/user/top/b", 5));
        Assert.Equal(["/user/top/b", "deep"], ExpectMsg<ActorTreeView>().Actors.Select(a => a.Name));
        answering.Tell(new GetActorTree("/user/missing", 1));
        Assert.True(ExpectMsg<AppError>().NotFound);
    }
}
