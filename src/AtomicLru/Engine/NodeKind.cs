namespace AtomicLru.Engine;

/// <summary>
/// Which class a node is, kept in the node itself (two bits of its size field, see <see cref="Node{TKey,TValue}"/>). The engine's code is shared by every instantiation
/// with reference types (it runs as <c>LruEngine&lt;__Canon, __Canon&gt;</c>), where a type test such as
/// <c>node is TimedNode&lt;TKey, TValue&gt;</c> first looks the exact generic type up in a runtime dictionary
/// and then calls a casting helper, which in some processes fell to the runtime's slow path on every evicting
/// insert; comparing this byte costs nothing.
/// </summary>
internal enum NodeKind : byte
{
    /// <summary>A <see cref="Node{TKey,TValue}"/>: no expiry, no wheel links.</summary>
    Plain,

    /// <summary>A <see cref="TimedNode{TKey,TValue}"/>: has wheel links.</summary>
    Timed,

    /// <summary>A <see cref="SlidingNode{TKey,TValue}"/>: a timed node whose expiry slides.</summary>
    Sliding,
}
