// The inner size of an element, for components that need it in pixels (el-table-v2): measured as
// soon as the element is in the page, before the next frame is drawn, then whenever it is resized.
import { onBeforeUnmount, reactive, watch, type Ref } from 'vue';

export function useBoxSize(el: Readonly<Ref<HTMLElement | null>>): { width: number; height: number } {
  const size = reactive({ width: 0, height: 0 });
  const measure = (): void => {
    const box = el.value;
    if (!box) return;
    size.width = box.clientWidth;
    size.height = box.clientHeight;
  };
  const observer = new ResizeObserver(measure);
  // The element may come later (shown after an error) or be replaced.
  watch(
    el,
    (box, old) => {
      if (old) observer.unobserve(old);
      if (!box) return;
      measure();
      observer.observe(box);
    },
    { immediate: true, flush: 'post' },
  );
  onBeforeUnmount(() => observer.disconnect());
  return size;
}
