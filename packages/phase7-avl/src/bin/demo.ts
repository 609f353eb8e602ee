// `pnpm --filter phase7-avl demo`: the AVL tree of this chapter, narrated
// in this terminal, and the server, unchanged, still answering. The tree is
// printed sideways (root at the left, bigger numbers above); `h` is a
// node's height, `cnt` the size of its subtree.
import { createDemo, main, parseFlags } from "@rah/core";
import { avlDel, avlInsert, avlOffset, avlRank } from "../avl.ts";
import { treeText } from "../avl-print.ts";
import { runCommands } from "../client.ts";
import { type NumNode, numLabel, numLess, numNode, numSeekGe } from "../num-tree.ts";
import { startServer } from "../server.ts";

const program = {
  usage: "pnpm --filter phase7-avl demo",
  role: "tool" as const,
  summary:
    "Narrates the AVL tree of this chapter: sorted inserts kept balanced by rotations, ranks and offsets from the subtree counts, a delete by successor; and shows the server, unchanged, still answering.",
};

main(
  async (argv) => {
    parseFlags(argv, program);
    const demo = createDemo("phase 7: a balanced binary tree with ranks");
    const show = (root: NumNode | null) => {
      for (const line of treeText(root, numLabel).trimEnd().split("\n")) demo.note(line);
    };

    await demo.step(
      "1. The server has not changed: this chapter adds a data structure, not a command.",
    );
    const server = await startServer({ host: "127.0.0.1", port: 0, log: demo.log });
    for (const reply of await runCommands(server.host, server.port, [
      ["set", "k", "v"],
      ["get", "k"],
    ])) {
      demo.say("A", reply.toString().trimEnd());
    }

    await demo.step(
      "2. Insert 1 to 7 in order: a plain search tree would be a list 7 deep; rotations keep this one 3 deep.",
    );
    let root: NumNode | null = null;
    for (let key = 1; key <= 7; key++) root = avlInsert(root, numNode(key), numLess);
    show(root);

    await demo.step(
      "3. Each node counts its subtree, so the rank of a node is a walk up: O(log n).",
    );
    for (const key of [1, 4, 7]) {
      const n = numSeekGe(root, key);
      if (n) demo.note(`rank of ${key}: ${avlRank(n)} (0 is the first)`);
    }

    await demo.step(
      "4. And an offset is a walk too: from 2, move +3 and -1 places without visiting the rest.",
    );
    const two = numSeekGe(root, 2);
    if (two) {
      demo.note(`2 + 3 places -> ${avlOffset(two, 3)?.key ?? "nothing"}`);
      demo.note(`2 - 1 place  -> ${avlOffset(two, -1)?.key ?? "nothing"}`);
      demo.note(`2 - 2 places -> ${avlOffset(two, -2)?.key ?? "nothing (before the first)"}`);
    }

    await demo.step(
      "5. Delete 4, the root: its successor (5, the smallest of its right subtree) takes its place.",
    );
    const four = numSeekGe(root, 4);
    if (four) root = avlDel(four);
    show(root);

    await demo.step(
      "6. Stop the server. Try `pnpm --filter phase7-avl tree 5 3 8 1 4 2` to watch rotations.",
    );
    await server.close();
    return 0;
  },
  { onSignal: "exit" },
);
