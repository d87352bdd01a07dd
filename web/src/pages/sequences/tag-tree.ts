import type { TagRef } from '../../api/types.ts';

/** "Region / North / Poland": the tag's path from the root, for pickers and filters. */
export function tagPathName(tags: TagRef[], id: string): string {
  const byId = new Map(tags.map((tag) => [tag.id, tag]));
  const names: string[] = [];
  let current = byId.get(id);
  const seen = new Set<string>();
  while (current && !seen.has(current.id)) {
    seen.add(current.id);
    names.unshift(current.name);
    current = current.parentId ? byId.get(current.parentId) : undefined;
  }
  return names.join(' / ');
}

export interface TagTreeNode extends TagRef {
  children: TagTreeNode[];
  depth: number;
}

export function tagTree(tags: TagRef[]): TagTreeNode[] {
  const nodes = new Map<string, TagTreeNode>(tags.map((tag) => [tag.id, { ...tag, children: [], depth: 0 }]));
  const roots: TagTreeNode[] = [];
  for (const node of nodes.values()) {
    const parent = node.parentId ? nodes.get(node.parentId) : undefined;
    if (parent) parent.children.push(node);
    else roots.push(node);
  }
  const setDepth = (list: TagTreeNode[], depth: number) => {
    list.sort((a, b) => a.name.localeCompare(b.name));
    for (const node of list) {
      node.depth = depth;
      setDepth(node.children, depth + 1);
    }
  };
  setDepth(roots, 0);
  return roots;
}

export function flattenTree(roots: TagTreeNode[]): TagTreeNode[] {
  return roots.flatMap((node) => [node, ...flattenTree(node.children)]);
}
