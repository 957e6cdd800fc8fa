/**
 * The kubeconfig a client uses to reach the demo cluster (or several): per cluster, one cluster
 * entry and a context per demo user (users.ts). The first cluster's names are `kubelive-demo`
 * (the admin, and the current context), `kubelive-demo-jane`, `kubelive-demo-viewer` and
 * `kubelive-demo-rotating`; a second cluster's are `kubelive-demo-2`, `kubelive-demo-2-jane`, …
 * The CA is inline; the rotating user runs `bin/kubelive-demo-credential` (an exec credential
 * plugin, client.authentication.k8s.io/v1) with the cluster's URL, CA and its refresh secret in
 * its environment. Written by hand: every value is a JSON-quoted string, which YAML reads as the
 * same string.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { DemoCredentials } from './users.js';

export const contextName = 'kubelive-demo';

/** The context names of one demo cluster's users. */
export function demoContexts(clusterName: string = contextName): { admin: string; namespaceUser: string; readOnly: string; rotating: string } {
  return { admin: clusterName, namespaceUser: `${clusterName}-jane`, readOnly: `${clusterName}-viewer`, rotating: `${clusterName}-rotating` };
}

/** The name of the n-th demo cluster (0-based) in a kubeconfig holding several. */
export const clusterNameAt = (index: number): string => (index === 0 ? contextName : `${contextName}-${index + 1}`);

export interface KubeconfigCluster {
  readonly name: string;
  readonly server: string;
  readonly caPem: string;
  readonly credentials: DemoCredentials;
  /** The context namespace of the namespace-limited user (the first namespace it may use). */
  readonly namespaceUserNamespace: string;
}

/**
 * Where the credential plugin is: bin/ beside demo-cluster/ in the sources, or two folders up from
 * the compiled dist/demo-cluster/.
 */
export function credentialPluginPath(): string {
  const candidates = ['../bin/kubelive-demo-credential', '../../bin/kubelive-demo-credential'].map((p) => fileURLToPath(new URL(p, import.meta.url)));
  return candidates.find((p) => existsSync(p)) ?? (candidates[0] as string);
}

export function kubeconfigYaml(clusters: readonly KubeconfigCluster[]): string {
  const q = JSON.stringify;
  const plugin = credentialPluginPath();
  const lines = ['apiVersion: v1', 'kind: Config', 'clusters:'];
  for (const c of clusters) {
    lines.push(`- name: ${q(c.name)}`, '  cluster:', `    server: ${q(c.server)}`, `    certificate-authority-data: ${q(Buffer.from(c.caPem).toString('base64'))}`);
  }
  lines.push('users:');
  for (const c of clusters) {
    const names = demoContexts(c.name);
    lines.push(`- name: ${q(names.admin)}`, '  user:', `    token: ${q(c.credentials.admin)}`);
    lines.push(`- name: ${q(names.namespaceUser)}`, '  user:', `    token: ${q(c.credentials.namespaceUser)}`);
    lines.push(`- name: ${q(names.readOnly)}`, '  user:', `    token: ${q(c.credentials.readOnly)}`);
    lines.push(
      `- name: ${q(names.rotating)}`,
      '  user:',
      '    exec:',
      `      apiVersion: ${q('client.authentication.k8s.io/v1')}`,
      `      command: ${q(process.execPath)}`,
      '      args:',
      `      - ${q(plugin)}`,
      '      env:',
      `      - name: ${q('KUBELIVE_DEMO_SERVER')}`,
      `        value: ${q(c.server)}`,
      `      - name: ${q('KUBELIVE_DEMO_CA_DATA')}`,
      `        value: ${q(Buffer.from(c.caPem).toString('base64'))}`,
      `      - name: ${q('KUBELIVE_DEMO_REFRESH_TOKEN')}`,
      `        value: ${q(c.credentials.rotatingRefresh)}`,
      `      interactiveMode: ${q('Never')}`,
      '      provideClusterInfo: false',
    );
  }
  lines.push('contexts:');
  for (const c of clusters) {
    const names = demoContexts(c.name);
    for (const [context, namespace] of [
      [names.admin, undefined],
      [names.namespaceUser, c.namespaceUserNamespace],
      [names.readOnly, undefined],
      [names.rotating, undefined],
    ] as const) {
      lines.push(`- name: ${q(context)}`, '  context:', `    cluster: ${q(c.name)}`, `    user: ${q(context)}`);
      if (namespace !== undefined) lines.push(`    namespace: ${q(namespace)}`);
    }
  }
  lines.push(`current-context: ${q(clusters[0]?.name ?? contextName)}`, '');
  return lines.join('\n');
}
