/** `guest` for `user:default/guest`; other actors as they are. */
export function authorName(createdBy: string): string {
  const match = /^user:(?:[^/]+\/)?(.+)$/.exec(createdBy);
  return match ? match[1] : createdBy;
}
