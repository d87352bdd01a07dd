import { useEffect, useRef } from 'react';
import { useTranslation } from 'react-i18next';

interface LoadMoreProps {
  hasNextPage: boolean;
  isFetchingNextPage: boolean;
  fetchNextPage(): unknown;
}

/**
 * The end of a paged list: loads the next page when it scrolls into view, and is a button for keyboards and for
 * browsers without IntersectionObserver. Renders nothing once every row is loaded.
 */
export function LoadMore({ hasNextPage, isFetchingNextPage, fetchNextPage }: LoadMoreProps) {
  const { t } = useTranslation();
  const ref = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    const button = ref.current;
    if (!button || !hasNextPage || typeof IntersectionObserver === 'undefined') return;
    const observer = new IntersectionObserver((entries) => {
      if (entries.some((entry) => entry.isIntersecting) && !isFetchingNextPage) void fetchNextPage();
    });
    observer.observe(button);
    return () => observer.disconnect();
  }, [hasNextPage, isFetchingNextPage, fetchNextPage]);
  if (!hasNextPage) return null;
  return (
    <button
      ref={ref}
      type="button"
      className="load-more"
      disabled={isFetchingNextPage}
      onClick={() => void fetchNextPage()}
      data-testid="load-more"
    >
      {isFetchingNextPage ? t('loading') : t('actions.loadMore')}
    </button>
  );
}
