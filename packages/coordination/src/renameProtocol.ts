/**
 * The two-phase-commit fields of each participant of a STRONG rename, defined once: the participant
 * serves them (`createRenameParticipant`) and the coordinator calls them (`renameCalls`). Each
 * participant has its own names: they are @inaccessible fields of one supergraph, and composition
 * would merge equal names. The product commits first and assigns the version; the order's copies
 * commit at it.
 */
export const renameProtocol = {
  product: {
    prepare: 'prepareRename',
    commit: 'commitRename',
    abort: 'abortRename',
    commitsAtVersion: false,
  },
  order: {
    prepare: 'prepareCopyRename',
    commit: 'commitCopyRename',
    abort: 'abortCopyRename',
    commitsAtVersion: true,
  },
} as const;

export type RenameParticipantName = keyof typeof renameProtocol;

/** The documents the coordinator sends a participant, built from its field names. */
export function renameCalls(participant: RenameParticipantName) {
  const fields = renameProtocol[participant];
  return {
    prepare: `mutation ($id: ID!, $productId: ID!, $name: String!) { ${fields.prepare}(transactionId: $id, productId: $productId, name: $name) }`,
    commit: fields.commitsAtVersion
      ? `mutation ($id: ID!, $version: Int!) { ${fields.commit}(transactionId: $id, version: $version) }`
      : `mutation ($id: ID!) { ${fields.commit}(transactionId: $id) }`,
    abort: `mutation ($id: ID!, $productId: ID!) { ${fields.abort}(transactionId: $id, productId: $productId) }`,
    /** The field of the commit's answer: the version applied. */
    commitField: fields.commit,
  };
}
