/**
 * The kubeconfig a client uses to reach the demo cluster: one cluster, user and context, all
 * named `kubelive-demo`, with the CA inline and the bearer token of this run. Written by hand:
 * every value is a JSON-quoted string, which YAML reads as the same string.
 */
export const contextName = 'kubelive-demo';

export function kubeconfigYaml(server: string, caPem: string, token: string): string {
  const q = JSON.stringify;
  return [
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    `- name: ${q(contextName)}`,
    '  cluster:',
    `    server: ${q(server)}`,
    `    certificate-authority-data: ${q(Buffer.from(caPem).toString('base64'))}`,
    'users:',
    `- name: ${q(contextName)}`,
    '  user:',
    `    token: ${q(token)}`,
    'contexts:',
    `- name: ${q(contextName)}`,
    '  context:',
    `    cluster: ${q(contextName)}`,
    `    user: ${q(contextName)}`,
    `current-context: ${q(contextName)}`,
    '',
  ].join('\n');
}
