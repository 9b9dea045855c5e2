// Who unlocked the archive (name and role), for the header, the author fields and the 人员与权限
// page. Asked once per unlock (the main layout mounts after each one) and forgotten on lock.
import { ref } from 'vue';
import { api } from './api';
import { t } from './i18n';
import { Role, type CurrentPerson } from './types/generated';

export const me = ref<CurrentPerson | null>(null);

export async function refreshMe(): Promise<void> {
  try {
    me.value = await api.currentPerson();
  } catch {
    me.value = null;
  }
}

export function forgetMe(): void {
  me.value = null;
}

/** The unlocked person's name: the author of what they write (the core sets it anyway). */
export function myName(): string {
  return me.value?.name ?? '';
}

/** A role in the interface's language (辅导员 / 学院负责人 / 管理员). */
export function roleText(role: Role | null | undefined): string {
  return role ? t(`role.${role}`) : '';
}

/** Whether the unlocked person may add and remove people (the core checks again). */
export function mayManagePeople(): boolean {
  return me.value?.role === Role.Admin;
}

/** Whether the unlocked person may assign and hand over caseloads (the core checks again). */
export function mayAssignCaseloads(): boolean {
  return me.value?.role === Role.Admin || me.value?.role === Role.Leader;
}
